#include "cli/demo_warmup.hpp"

#include <fmt/format.h>

#include <chrono>

#include "app/log.hpp"
#include "core/clock.hpp"
#include "handlers/warmup/planner.hpp"
#include "handlers/warmup/ramp.hpp"
#include "postwork/client.hpp"

namespace postwork::cli {
namespace {
// A small ramp (8 today, +2 a day, at most 20), half of the warmup emails
// answered, six inbox checks: enough for every kind of event in one demo.
constexpr const char* kInsertConfig = R"SQL(
INSERT INTO warmup_configs (tenant_id, email_account_id, enabled, start_volume, daily_increment,
                            max_per_day, reply_rate_pct, ramp_start_date, window_days,
                            window_start_hour, window_end_hour, time_zone,
                            inbound_checks_per_day)
VALUES ($1, $2, true, 8, 2, 20, 50, $3::date, '{1,2,3,4,5,6,7}', 0, 24, 'UTC', 6)
ON CONFLICT (email_account_id) DO NOTHING)SQL";

constexpr const char* kProgress = R"SQL(
SELECT count(*), coalesce(sum(sent), 0), coalesce(sum(received), 0), coalesce(sum(inbox), 0),
       coalesce(sum(spam), 0), coalesce(sum(rescued), 0), coalesce(sum(replies), 0)
FROM warmup_account_stats WHERE tenant_id = $1)SQL";
}  // namespace

bool SeedDemoWarmup(pg::Connection& conn, const DemoWarmupSeed& seed) {
  int64_t now_ms = core::SystemClock::Instance().NowMs();
  auto today = std::chrono::floor<std::chrono::days>(
      std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(now_ms)));
  std::string day = handlers::warmup::FormatDate(today);
  int created = 0;
  pg::InTransaction(conn, [&] {
    for (const auto& account : seed.account_ids) {
      created += conn.Exec(kInsertConfig, {seed.tenant_id, account, day}).affected();
    }
  });
  if (created == 0) return false;
  Client client(ClientOptions{.redis_url = seed.redis_url, .database_url = seed.database_url});
  auto plan = handlers::warmup::PlanWarmupDay(conn, client,
                                              {.date = today,
                                               .tenant_id = seed.tenant_id,
                                               .now_ms = now_ms,
                                               .spread_seconds = seed.spread_seconds});
  log::Info(
      fmt::format("email demo: warmup between {} mailboxes: {} jobs for {} ({} sends, "
                  "inbox checks, replies) within the next {} s",
                  plan.accounts, plan.jobs_planned, day, plan.outbound, seed.spread_seconds));
  return true;
}

std::optional<std::string> DemoWarmupProgress(pg::Connection& conn, const std::string& tenant_id) {
  auto r = conn.Exec(kProgress, {tenant_id});
  if (r.GetInt(0, 0) == 0) return std::nullopt;
  return fmt::format("warmup: sent {}, received {} (inbox {}, spam {}, rescued {}), replies {}",
                     r.Get(0, 1), r.Get(0, 2), r.Get(0, 3), r.Get(0, 4), r.Get(0, 5), r.Get(0, 6));
}

}  // namespace postwork::cli
