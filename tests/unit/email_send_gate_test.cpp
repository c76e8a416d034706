// Sending windows, daily limits and gaps: pure functions of the time.
#include <gtest/gtest.h>

#include "handlers/email_sending/send_gate.hpp"

namespace postwork::handlers::email {
namespace {
using namespace std::chrono;

sys_seconds Utc(int y, unsigned m, unsigned d, int h, int min = 0) {
  return sys_seconds{sys_days{year{y} / m / d}} + hours{h} + minutes{min};
}
int64_t Ms(sys_seconds s) { return duration_cast<milliseconds>(s.time_since_epoch()).count(); }

const SendingWindow kWeekdays9To17 = SendingWindow::FromIsoDays({1, 2, 3, 4, 5}, 9, 17);

TEST(SendingWindowTest, OpenInsideTheHoursOfAnAllowedDayInTheCampaignsZone) {
  auto berlin = TimeZone::Load("Europe/Berlin");
  // Wednesday 2025-06-11 10:00 Berlin (CEST) = 08:00 UTC.
  EXPECT_TRUE(IsOpen(kWeekdays9To17, *berlin, Utc(2025, 6, 11, 8)));
  EXPECT_FALSE(IsOpen(kWeekdays9To17, *berlin, Utc(2025, 6, 11, 6, 59)));  // 08:59 local
  EXPECT_FALSE(IsOpen(kWeekdays9To17, *berlin, Utc(2025, 6, 11, 15)));     // 17:00 local
  EXPECT_EQ(NextOpening(kWeekdays9To17, *berlin, Utc(2025, 6, 11, 8)), Utc(2025, 6, 11, 8));
}

TEST(SendingWindowTest, NextOpeningSkipsTheWeekendAndEveningsInLocalTime) {
  auto ny = TimeZone::Load("America/New_York");
  // Friday 2025-06-13 18:00 EDT -> Monday 09:00 EDT = 13:00 UTC.
  EXPECT_EQ(NextOpening(kWeekdays9To17, *ny, Utc(2025, 6, 13, 22)), Utc(2025, 6, 16, 13));
  // Tuesday 07:00 EDT -> same day 09:00.
  EXPECT_EQ(NextOpening(kWeekdays9To17, *ny, Utc(2025, 6, 17, 11)), Utc(2025, 6, 17, 13));
  // Late Tuesday in UTC is still Tuesday evening in New York: Wednesday 09:00.
  EXPECT_EQ(NextOpening(kWeekdays9To17, *ny, Utc(2025, 6, 18, 2)), Utc(2025, 6, 18, 13));
}

TEST(SendingWindowTest, NextOpeningAcrossADaylightSavingChange) {
  auto ny = TimeZone::Load("America/New_York");
  // Saturday 2025-03-08 12:00 EST; Monday 09:00 is already EDT (13:00 UTC, not 14:00).
  EXPECT_EQ(NextOpening(kWeekdays9To17, *ny, Utc(2025, 3, 8, 17)), Utc(2025, 3, 10, 13));
}

TEST(SendingWindowTest, AWindowThatNeverOpensIsNotRescheduled) {
  auto utc = TimeZone::Load("UTC");
  EXPECT_FALSE(NextOpening(SendingWindow::FromIsoDays({}, 9, 17), *utc, Utc(2025, 6, 11, 8)));
  EXPECT_FALSE(NextOpening(SendingWindow::FromIsoDays({1}, 17, 9), *utc, Utc(2025, 6, 11, 8)));
  EXPECT_FALSE(CheckSendingWindow(SendingWindow::FromIsoDays({9}, 0, 24), *utc, 0));
  // Every day, all day: always open.
  auto always = SendingWindow::FromIsoDays({1, 2, 3, 4, 5, 6, 7}, 0, 24);
  EXPECT_TRUE(CheckSendingWindow(always, *utc, Ms(Utc(2025, 6, 15, 23, 59)))->allowed);
}

TEST(SendGateTest, DailyLimitWaitsForTheNextLocalMidnight) {
  auto tokyo = TimeZone::Load("Asia/Tokyo");
  int64_t now = Ms(Utc(2025, 6, 11, 20));  // 05:00 on the 12th in Tokyo
  auto r = CheckAccountLimits({.daily_limit = 10, .sent_today = 10}, *tokyo, now);
  EXPECT_FALSE(r.allowed);
  EXPECT_EQ(r.run_at_ms, Ms(Utc(2025, 6, 12, 15)));  // 00:00 on the 13th in Tokyo
  EXPECT_NE(r.reason.find("daily limit"), std::string::npos);
  EXPECT_TRUE(CheckAccountLimits({.daily_limit = 10, .sent_today = 9}, *tokyo, now).allowed);
  EXPECT_EQ(StartOfLocalDay(*tokyo, Utc(2025, 6, 11, 20)), Utc(2025, 6, 11, 15));
}

TEST(SendGateTest, MinimumGapWaitsUntilTheGapHasPassed) {
  auto utc = TimeZone::Load("UTC");
  int64_t now = Ms(Utc(2025, 6, 11, 8));
  auto r = CheckAccountLimits(
      {.daily_limit = 100, .min_gap_seconds = 120, .sent_today = 1, .last_send_ms = now - 30'000},
      *utc, now);
  EXPECT_FALSE(r.allowed);
  EXPECT_EQ(r.run_at_ms, now + 90'000);
  EXPECT_TRUE(CheckAccountLimits({.daily_limit = 100,
                                  .min_gap_seconds = 120,
                                  .sent_today = 1,
                                  .last_send_ms = now - 120'000},
                                 *utc, now)
                  .allowed);
  // The limit is checked first.
  auto both = CheckAccountLimits(
      {.daily_limit = 1, .min_gap_seconds = 120, .sent_today = 1, .last_send_ms = now - 30'000},
      *utc, now);
  EXPECT_NE(both.reason.find("daily limit"), std::string::npos);
}

}  // namespace
}  // namespace postwork::handlers::email
