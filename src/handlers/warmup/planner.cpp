#include "handlers/warmup/planner.hpp"

#include "app/log.hpp"
#include "handlers/warmup/warmup_store.hpp"

namespace postwork::handlers::warmup {

std::string PlannedJobId(const std::string& account_id, std::chrono::sys_days date,
                         const std::string& kind, int step) {
  return "warmup:" + account_id + ":" + FormatDate(date) + ":" + kind + ":" + std::to_string(step);
}

PlanSummary PlanWarmupDay(pg::Connection& conn, Client& client, const PlanRequest& request) {
  PlanSummary summary;
  for (const WarmupConfig& config : ListActiveConfigs(conn, request.tenant_id)) {
    std::shared_ptr<const email::TimeZone> zone;
    try {
      zone = email::TimeZone::Load(config.time_zone);
    } catch (const std::invalid_argument& e) {
      log::Warn("warmup: account skipped, bad time zone",
                {{"account_id", config.account_id}, {"error", e.what()}});
      continue;
    }
    auto jobs =
        PlanAccountDay({.account_id = config.account_id,
                        .ramp = config.ramp,
                        .window = email::SendingWindow::FromIsoDays(
                            config.window_days, config.window_start_hour, config.window_end_hour),
                        .zone = zone.get(),
                        .date = request.date,
                        .inbound_checks = config.inbound_checks_per_day,
                        .now_ms = request.now_ms,
                        .spread_seconds = request.spread_seconds});
    ++summary.accounts;
    for (const PlannedJob& job : jobs) {
      nlohmann::json payload = {{"email_account_id", config.account_id},
                                {"warmup_type", job.kind},
                                {"sequence_step", job.step},
                                {"date", FormatDate(request.date)}};
      auto r =
          client.Enqueue(kWarmupQueue, payload,
                         {.run_at_ms = job.run_at_ms,
                          .tenant_id = config.tenant_id,
                          .id = PlannedJobId(config.account_id, request.date, job.kind, job.step)});
      ++summary.jobs_planned;
      if (r.created) ++summary.jobs_created;
      if (job.kind == "outbound") ++summary.outbound;
    }
  }
  return summary;
}

}  // namespace postwork::handlers::warmup
