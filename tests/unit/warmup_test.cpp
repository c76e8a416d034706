// Warmup logic without a server: the ramp, a day's plan, the email
// generator, the reply choice and spam folder discovery.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "handlers/email_common/time_zone.hpp"
#include "handlers/warmup/message_generator.hpp"
#include "handlers/warmup/ramp.hpp"
#include "handlers/warmup/spam_folder.hpp"

namespace postwork::handlers::warmup {
namespace {
using std::chrono::days;
using std::chrono::sys_days;

sys_days Day(const char* text) { return ParseDate(text); }

int64_t Ms(sys_days d, int hour, int minute = 0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             (d + std::chrono::hours(hour) + std::chrono::minutes(minute)).time_since_epoch())
      .count();
}

RampSettings Ramp(int variance = 0) {
  return {.start_volume = 5,
          .daily_increment = 2,
          .max_per_day = 40,
          .daily_variance_pct = variance,
          .ramp_start = Day("2025-03-03")};
}

TEST(WarmupRamp, StartsAtStartVolumeGrowsDailyAndIsCapped) {
  EXPECT_EQ(RampVolume(Ramp(), Day("2025-03-02")), 0);  // before the ramp
  EXPECT_EQ(RampVolume(Ramp(), Day("2025-03-03")), 5);
  EXPECT_EQ(RampVolume(Ramp(), Day("2025-03-04")), 7);
  EXPECT_EQ(RampVolume(Ramp(), Day("2025-03-13")), 25);
  EXPECT_EQ(RampVolume(Ramp(), Day("2025-03-20")), 39);
  EXPECT_EQ(RampVolume(Ramp(), Day("2025-03-21")), 40);  // 41 capped
  EXPECT_EQ(RampVolume(Ramp(), Day("2026-01-01")), 40);
  EXPECT_EQ(DailyVolume(Ramp(), Day("2025-03-13"), "acct-1"), 25);  // no variance
}

TEST(WarmupRamp, VarianceStaysWithinItsBandIsStablePerDayAndNeverPassesTheCap) {
  std::set<int> seen;
  for (int d = 0; d < 60; ++d) {
    sys_days date = Day("2025-03-03") + days(d);
    int base = RampVolume(Ramp(), date);
    int v = DailyVolume(Ramp(20), date, "acct-1");
    EXPECT_EQ(v, DailyVolume(Ramp(20), date, "acct-1"));  // deterministic
    EXPECT_LE(v, 40);
    EXPECT_GE(v, static_cast<int>(std::floor(base * 0.8)) - 1);
    if (base < 40) {
      EXPECT_LE(v, static_cast<int>(std::ceil(base * 1.2)) + 1);
    }
    if (d == 5) seen.insert(v);
  }
  for (int a = 0; a < 20; ++a)
    seen.insert(DailyVolume(Ramp(20), Day("2025-03-08"), "acct-" + std::to_string(a)));
  EXPECT_GT(seen.size(), 2u) << "variance differs between accounts";
}

DayPlanInput Input(const email::TimeZone& zone, sys_days date, int64_t now_ms) {
  return {.account_id = "acct-1",
          .ramp = Ramp(),
          .window = email::SendingWindow::FromIsoDays({1, 2, 3, 4, 5}, 9, 17),
          .zone = &zone,
          .date = date,
          .inbound_checks = 3,
          .now_ms = now_ms};
}

TEST(WarmupPlan, JobsFallInsideTheLocalWindowAndAreTheSameWhenPlannedAgain) {
  auto zone = email::TimeZone::Load("America/New_York");
  sys_days date = Day("2025-03-13");  // a Thursday, EDT (UTC-4)
  auto jobs = PlanAccountDay(Input(*zone, date, Ms(date, 0)));
  int outbound = 0, inbound = 0, engagement = 0;
  for (const auto& j : jobs) {
    EXPECT_GE(j.run_at_ms, Ms(date, 13)) << j.kind << j.step;  // 09:00 EDT
    EXPECT_LT(j.run_at_ms, Ms(date, 21)) << j.kind << j.step;  // 17:00 EDT
    (j.kind == "outbound" ? outbound : j.kind == "inbound" ? inbound : engagement)++;
  }
  EXPECT_EQ(outbound, 25);
  EXPECT_EQ(inbound, 3);
  EXPECT_EQ(engagement, 3);
  auto again = PlanAccountDay(Input(*zone, date, Ms(date, 0)));
  ASSERT_EQ(again.size(), jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) EXPECT_EQ(again[i].run_at_ms, jobs[i].run_at_ms);
  std::set<int64_t> distinct;
  for (const auto& j : jobs) distinct.insert(j.run_at_ms);
  EXPECT_GT(distinct.size(), 20u) << "moments are spread, not stacked";
}

TEST(WarmupPlan, NoJobsOnDaysOffOrAfterTheWindowAndPastMomentsMoveIntoWhatIsLeft) {
  auto utc = email::TimeZone::Load("UTC");
  sys_days saturday = Day("2025-03-15");
  EXPECT_TRUE(PlanAccountDay(Input(*utc, saturday, Ms(saturday, 0))).empty());
  sys_days thursday = Day("2025-03-13");
  EXPECT_TRUE(PlanAccountDay(Input(*utc, thursday, Ms(thursday, 17))).empty());
  auto late = PlanAccountDay(Input(*utc, thursday, Ms(thursday, 15)));
  EXPECT_EQ(late.size(), 31u);
  for (const auto& j : late) {
    EXPECT_GE(j.run_at_ms, Ms(thursday, 15));
    EXPECT_LT(j.run_at_ms, Ms(thursday, 17));
  }
  DayPlanInput early = Input(*utc, Day("2025-03-02"), Ms(Day("2025-03-02"), 0));
  early.window = email::SendingWindow::FromIsoDays({7}, 9, 17);
  auto before_ramp = PlanAccountDay(early);
  EXPECT_EQ(std::count_if(before_ramp.begin(), before_ramp.end(),
                          [](const PlannedJob& j) { return j.kind == "outbound"; }),
            0);
}

TEST(WarmupPlan, SpreadSecondsPutsTheDayWithinSecondsFromNowInTheSameOrder) {
  auto utc = email::TimeZone::Load("UTC");
  sys_days thursday = Day("2025-03-13");
  int64_t now = Ms(thursday, 10);
  DayPlanInput in = Input(*utc, thursday, Ms(thursday, 0));
  auto day = PlanAccountDay(in);
  in.now_ms = now;
  in.spread_seconds = 20;
  auto soon = PlanAccountDay(in);
  ASSERT_EQ(soon.size(), day.size());
  for (size_t i = 0; i < soon.size(); ++i) {
    EXPECT_GE(soon[i].run_at_ms, now) << soon[i].kind << soon[i].step;
    EXPECT_LT(soon[i].run_at_ms, now + 20'000) << soon[i].kind << soon[i].step;
    if (soon[i].kind == "outbound" && i > 0 && day[i - 1].kind == "outbound") {
      EXPECT_EQ(day[i].run_at_ms < day[i - 1].run_at_ms, soon[i].run_at_ms < soon[i - 1].run_at_ms);
    }
    // Each engagement run comes well after its inbox check (3 checks: 2.5 s).
    if (soon[i].kind == "engagement") {
      EXPECT_EQ(soon[i].run_at_ms - soon[i - 1].run_at_ms, 2500);
    }
  }
  in.now_ms = Ms(thursday, 17);  // the window is over: still nothing
  EXPECT_TRUE(PlanAccountDay(in).empty());
}

TEST(WarmupDates, ParseAndFormat) {
  EXPECT_EQ(FormatDate(ParseDate("2025-02-28")), "2025-02-28");
  for (const char* bad :
       {"2025-02-30", "2025-13-01", "25-01-01", "2025-01-01x", "", "2025/01/01"}) {
    EXPECT_THROW(ParseDate(bad), std::invalid_argument) << bad;
  }
}

TEST(WarmupMessage, NaturalVariedAndTheSameForTheSameSeed) {
  auto a = GenerateWarmupEmail("job-1", "Ana Sender", "Bob Peer");
  auto b = GenerateWarmupEmail("job-1", "Ana Sender", "Bob Peer");
  EXPECT_EQ(a.subject, b.subject);
  EXPECT_EQ(a.body, b.body);
  EXPECT_NE(a.body.find("Bob"), std::string::npos) << a.body;
  EXPECT_NE(a.body.find("\nAna\n"), std::string::npos) << a.body;
  std::set<std::string> subjects, bodies;
  for (int i = 0; i < 50; ++i) {
    auto m = GenerateWarmupEmail("job-" + std::to_string(i), "Ana Sender", "");
    EXPECT_EQ(m.body.find("lorem"), std::string::npos);
    EXPECT_EQ(m.body.find('{'), std::string::npos) << "unfilled slot: " << m.body;
    EXPECT_EQ(m.subject.find('{'), std::string::npos) << m.subject;
    EXPECT_NE(m.body.find("there"), std::string::npos) << "greeting without a name";
    subjects.insert(m.subject);
    bodies.insert(m.body);
  }
  EXPECT_GT(subjects.size(), 35u);
  EXPECT_EQ(bodies.size(), 50u);
}

TEST(WarmupMessage, RepliesKeepTheSubjectWithOneRe) {
  EXPECT_EQ(GenerateWarmupReply("s", "Notes from the budget draft", "Bob", "Ana").subject,
            "Re: Notes from the budget draft");
  EXPECT_EQ(GenerateWarmupReply("s", "Re: Notes", "Bob", "Ana").subject, "Re: Notes");
  auto r = GenerateWarmupReply("s", "x", "Bob Peer", "Ana Sender");
  EXPECT_NE(r.body.substr(0, r.body.find('\n')).find("Ana"), std::string::npos) << r.body;
}

TEST(WarmupMessage, TagsDifferPerAccountAndReplyChoiceFollowsTheRate) {
  EXPECT_EQ(WarmupTag("t1", "a"), WarmupTag("t1", "a"));
  EXPECT_NE(WarmupTag("t1", "a"), WarmupTag("t1", "b"));
  EXPECT_NE(WarmupTag("t1", "a"), WarmupTag("t2", "a"));
  EXPECT_EQ(WarmupTag("t1", "a").size(), 16u);
  int chosen = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string id = "m" + std::to_string(i) + "@x.example";
    EXPECT_FALSE(ChosenForReply(id, 0));
    EXPECT_TRUE(ChosenForReply(id, 100));
    EXPECT_EQ(ChosenForReply(id, 30), ChosenForReply(id, 30));
    chosen += ChosenForReply(id, 30) ? 1 : 0;
  }
  EXPECT_GT(chosen, 500);
  EXPECT_LT(chosen, 700);
}

TEST(WarmupSpamFolder, SpecialUseFirstThenCommonNames) {
  using mail::ImapMailbox;
  EXPECT_EQ(FindSpamFolder({{"INBOX", {}}, {"Spam", {}}, {"Courrier indésirable", {"\\Junk"}}}),
            "Courrier indésirable");
  EXPECT_EQ(FindSpamFolder({{"INBOX", {}}, {"[Gmail]", {"\\Noselect"}}, {"[Gmail]/Spam", {}}}),
            "[Gmail]/Spam");
  EXPECT_EQ(FindSpamFolder({{"INBOX", {}}, {"Junk E-mail", {}}}), "Junk E-mail");
  EXPECT_EQ(FindSpamFolder({{"INBOX", {}}, {"spam", {}}, {"JUNK", {}}}), "JUNK");
  EXPECT_EQ(FindSpamFolder({{"INBOX", {}}, {"Junk", {"\\Junk", "\\NoSelect"}}}), std::nullopt);
  EXPECT_EQ(FindSpamFolder({{"INBOX", {}}, {"Archive", {"\\Archive"}}}), std::nullopt);
}

}  // namespace
}  // namespace postwork::handlers::warmup
