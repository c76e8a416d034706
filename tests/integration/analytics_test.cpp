// queue:analytics:daily-aggregate on seeded rows with known timestamps: the
// figures, the tenant's time zone, idempotence, the cron default day, the CLI.
#include <gtest/gtest.h>

#include "support/email_fixture.hpp"
#include "support/worker_fixture.hpp"

namespace postwork::testing {
namespace {

const std::vector<std::string> kQueues = {"queue:analytics:daily-aggregate"};

class AnalyticsTest : public EmailTest {
 protected:
  void SetUp() override {
    EmailTest::SetUp();
    db().Exec("TRUNCATE daily_stats, daily_queue_stats");
    Tenant("t1");
    Tenant("ny");
    db().Exec("UPDATE tenants SET time_zone = 'America/New_York' WHERE id = 'ny'");
    acc_ = Account("t1", "ana@sender.example", 2525);
    camp_ = Campaign("t1", acc_, Template("t1", "Hi", "Hello", "<p>Hello</p>"));
    ny_acc_ = Account("ny", "nia@sender.example", 2525);
    ny_camp_ = Campaign("ny", ny_acc_, Template("ny", "Hi", "Hello", "<p>Hello</p>"));
  }
  // A delivery row with the given times (NULL when empty).
  void Delivery(const std::string& tenant, const std::string& campaign, const std::string& account,
                const std::string& status, const std::string& sent_at,
                const std::string& bounced_at = "", const std::string& bounce_type = "",
                const std::string& replied_at = "", const std::string& updated_at = "") {
    std::string lead = Lead(tenant, "l" + std::to_string(++n_) + "@lead.example");
    db().Exec(
        "INSERT INTO email_deliveries (tenant_id, campaign_id, lead_id, email_account_id, "
        "recipient_email, status, sent_at, bounced_at, bounce_type, replied_at, updated_at) "
        "VALUES ($1, $2, $3, $4, 'x@lead.example', $5, NULLIF($6, '')::timestamptz, "
        "NULLIF($7, '')::timestamptz, NULLIF($8, ''), NULLIF($9, '')::timestamptz, "
        "coalesce(NULLIF($10, '')::timestamptz, greatest(NULLIF($6, '')::timestamptz, "
        "NULLIF($7, '')::timestamptz, NULLIF($9, '')::timestamptz)))",
        {tenant, campaign, lead, account, status, sent_at, bounced_at, bounce_type, replied_at,
         updated_at});
  }
  void Execution(const std::string& queue, const std::string& status, int duration_ms,
                 const std::string& at, bool dead = false) {
    // As the engine records them: a success is the completed jobs row itself
    // (job_executions shows it), any other attempt a row of job_attempts.
    std::string id = "job-" + std::to_string(++n_);
    db().Exec(
        "INSERT INTO jobs (id, queue, status, attempt_count, started_at, completed_at) "
        "VALUES ($1, $2, $3, 1, $4::timestamptz - make_interval(secs => $5::int / 1000.0), "
        "$4::timestamptz)",
        {id, queue, dead ? "failed" : "completed", at, std::to_string(duration_ms)});
    if (status != "success") {
      db().Exec(
          "INSERT INTO job_attempts (job_id, attempt, status, finished_at, duration_ms) "
          "VALUES ($1, 1, $2, $3::timestamptz, $4)",
          {id, status, at, std::to_string(duration_ms)});
    }
  }
  void Seed() {
    const std::string d = "2024-03-10 ";
    Delivery("t1", camp_, acc_, "sent", d + "09:00Z");
    Delivery("t1", camp_, acc_, "sent", d + "23:59Z", "", "", d + "23:59:30Z");
    Delivery("t1", camp_, acc_, "bounced", d + "10:00Z", d + "11:00Z", "hard");
    Delivery("t1", camp_, acc_, "bounced", "2024-03-09 10:00Z", d + "01:00Z", "soft");
    Delivery("t1", camp_, acc_, "sent", "2024-03-11 00:00Z");  // the next day
    Delivery("t1", camp_, acc_, "failed", "", "", "", "", d + "12:00Z");
    Delivery("t1", camp_, acc_, "suppressed", "", "", "", "", d + "13:00Z");
    // The first lead (l1) unsubscribed through the campaign's link.
    // New York: 2024-03-10 local runs 05:00Z .. 2024-03-11 04:00Z (DST starts that day).
    Delivery("ny", ny_camp_, ny_acc_, "sent", d + "03:00Z");        // local 03-09
    Delivery("ny", ny_camp_, ny_acc_, "sent", "2024-03-11 03:30Z");  // local 03-10 23:30
    db().Exec(
        "INSERT INTO suppressions (tenant_id, email, reason, campaign_id, created_at) VALUES "
        "('t1', 'l1@lead.example', 'unsubscribe', $1, '2024-03-10 15:00Z')",
        {camp_});
    Execution("queue:email-sending", "success", 100, d + "08:00Z");
    Execution("queue:email-sending", "success", 300, d + "08:01Z");
    Execution("queue:email-sending", "failed", 200, d + "08:02Z", true);
    Execution("queue:email-sending", "success", 999, "2024-03-11 00:00:01Z");
  }
  std::string Dump() {
    return QueryValue(
        "SELECT string_agg(concat_ws(',', day, tenant_id, campaign_id, email_account_id, sent, "
        "delivered, hard_bounces, soft_bounces, replies, auto_replies, suppressed, failed, "
        "unsubscribes, warmup_sent), ';' ORDER BY tenant_id, campaign_id) FROM daily_stats") +
           "|" +
           QueryValue(
               "SELECT string_agg(concat_ws(',', day, queue, processed, failed, dead_lettered, "
               "avg_duration_ms, p95_duration_ms), ';' ORDER BY queue) FROM daily_queue_stats");
  }
  std::string Run(const nlohmann::json& payload, EnqueueOptions opts = {}) {
    std::string id = client().Enqueue("analytics:daily-aggregate", payload, opts).id;
    EXPECT_TRUE(WaitStatus(id, "completed")) << QueryValue("SELECT last_error FROM jobs WHERE id=$1", {id});
    return id;
  }
  std::string acc_, camp_, ny_acc_, ny_camp_;
  int n_ = 0;
};

TEST_F(AnalyticsTest, ADayIsAggregatedPerTenantDayAndRunningItTwiceGivesTheSameRows) {
  Seed();
  RunningWorker w(TestWorkerOptions(kQueues), Handlers());
  std::string job = Run({{"date", "2024-03-10"}});
  EXPECT_EQ(JobResult(job)["date"], "2024-03-10");
  auto row = [&](const std::string& tenant, const std::string& col) {
    return QueryInt("SELECT " + col + " FROM daily_stats WHERE day = '2024-03-10' AND tenant_id = $1",
                    {tenant});
  };
  EXPECT_EQ(row("t1", "sent"), 3);
  EXPECT_EQ(row("t1", "delivered"), 2);
  EXPECT_EQ(row("t1", "hard_bounces"), 1);
  EXPECT_EQ(row("t1", "soft_bounces"), 1);
  EXPECT_EQ(row("t1", "replies"), 1);
  EXPECT_EQ(row("t1", "failed"), 1);
  EXPECT_EQ(row("t1", "suppressed"), 1);
  EXPECT_EQ(row("t1", "unsubscribes"), 1);
  EXPECT_EQ(QueryValue("SELECT email_account_id FROM daily_stats WHERE tenant_id = 't1'"), acc_);
  EXPECT_EQ(row("ny", "sent"), 1);  // the local day, not the UTC one
  EXPECT_EQ(QueryInt("SELECT processed FROM daily_queue_stats WHERE queue = 'queue:email-sending'"), 2);
  EXPECT_EQ(QueryInt("SELECT failed FROM daily_queue_stats WHERE queue = 'queue:email-sending'"), 1);
  EXPECT_EQ(QueryInt("SELECT dead_lettered FROM daily_queue_stats WHERE queue = 'queue:email-sending'"), 1);
  EXPECT_EQ(QueryValue("SELECT avg_duration_ms FROM daily_queue_stats WHERE queue = 'queue:email-sending'"),
            "200.0");
  EXPECT_EQ(QueryValue("SELECT p95_duration_ms FROM daily_queue_stats WHERE queue = 'queue:email-sending'"),
            "290.0");

  std::string before = Dump();
  Run({{"date", "2024-03-10"}});
  EXPECT_EQ(Dump(), before);
  // A key that lost its activity loses its row on the next run.
  db().Exec("DELETE FROM email_deliveries WHERE tenant_id = 'ny'");
  Run({{"date", "2024-03-10"}});
  EXPECT_EQ(QueryInt("SELECT count(*) FROM daily_stats WHERE tenant_id = 'ny'"), 0);
}

TEST_F(AnalyticsTest, WarmupEventsOfTheDayBecomeTheAccountsWarmupRow) {
  Seed();
  const std::string d = "2024-03-10 ";
  int n = 0;
  for (const auto& [type, at] : std::vector<std::pair<std::string, std::string>>{
           {"sent", d + "09:00Z"}, {"sent", d + "10:00Z"}, {"received", d + "11:00Z"},
           {"received", d + "11:05Z"}, {"landed_inbox", d + "11:06Z"},
           {"landed_spam", d + "11:07Z"}, {"sent", "2024-03-11 09:00Z"}}) {
    db().Exec(
        "INSERT INTO warmup_events (tenant_id, email_account_id, type, message_id, at) VALUES "
        "('t1', $1, $2, $3, $4::timestamptz)",
        {acc_, type, "w" + std::to_string(++n) + "@warmup.example", at});
  }
  RunningWorker w(TestWorkerOptions(kQueues), Handlers());
  Run({{"date", "2024-03-10"}});
  auto r = db().Exec(
      "SELECT warmup_sent, warmup_received, warmup_inbox, warmup_inbox_rate::text FROM "
      "daily_stats WHERE day = '2024-03-10' AND tenant_id = 't1' AND campaign_id = '' AND "
      "email_account_id = $1",
      {acc_});
  ASSERT_EQ(r.rows(), 1);
  EXPECT_EQ(r.GetInt(0, 0), 2);
  EXPECT_EQ(r.GetInt(0, 1), 2);
  EXPECT_EQ(r.GetInt(0, 2), 1);
  EXPECT_EQ(r.Get(0, 3), "50.00");
}

TEST_F(AnalyticsTest, ACronTickAggregatesTheDayBeforeTheTickAndABadDateIsPermanent) {
  RunningWorker w(TestWorkerOptions(kQueues), Handlers());
  // 2024-03-11T00:05:00Z
  std::string tick = Run(nlohmann::json::object(), {.id = "cron:analytics-daily:1710115500"});
  EXPECT_EQ(JobResult(tick)["date"], "2024-03-10");
  std::string bad = client().Enqueue("analytics:daily-aggregate", {{"date", "2024-13-01"}}).id;
  ASSERT_TRUE(WaitStatus(bad, "failed"));
  EXPECT_NE(QueryValue("SELECT last_error FROM jobs WHERE id = $1", {bad}).find("YYYY-MM-DD"),
            std::string::npos);
}

TEST_F(AnalyticsTest, TheCliBackfillsARangeThroughTheEngineAndRefusesBadDates) {
  auto [code, out] = RunPostwork({"analytics", "run", "--date", "2024-02-30"});
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("not a date"), std::string::npos) << out;
  std::tie(code, out) = RunPostwork({"analytics", "run", "--from", "2024-03-05", "--to", "2024-03-01"});
  EXPECT_EQ(code, 2) << out;
  Seed();
  RunningWorker w(TestWorkerOptions(kQueues), Handlers());
  std::tie(code, out) =
      RunPostwork({"analytics", "run", "--from", "2024-03-09", "--to", "2024-03-11", "--wait"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("3 day(s) aggregated"), std::string::npos) << out;
  EXPECT_EQ(QueryInt("SELECT count(DISTINCT day) FROM daily_queue_stats"), 2);  // 03-10, 03-11
  EXPECT_EQ(QueryInt("SELECT sent FROM daily_stats WHERE day = '2024-03-11' AND tenant_id = 't1'"), 1);
}

}  // namespace
}  // namespace postwork::testing
