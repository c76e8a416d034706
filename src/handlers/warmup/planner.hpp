#pragma once
// The daily planner: for every enabled, unpaused account (of one tenant, or
// all), the day's warmup jobs from the ramp (ramp.hpp), enqueued on
// queue:warmup:process at their moments with the ids
//   warmup:<account id>:<YYYY-MM-DD>:<outbound|inbound|engagement>:<n>
// so that planning a day again creates nothing twice. Run by the
// `warmup-planner` cron tick ({"plan": true}) and `postwork warmup plan`.
#include <chrono>
#include <cstdint>
#include <string>

#include "pg/connection.hpp"
#include "postwork/client.hpp"

namespace postwork::handlers::warmup {

inline constexpr const char* kWarmupQueue = "queue:warmup:process";

struct PlanRequest {
  std::chrono::sys_days date{};  // each account's local calendar date
  std::string tenant_id{};       // "" = every tenant
  int64_t now_ms = 0;
  int spread_seconds = 0;  // > 0: within [now, now + spread) (DayPlanInput)
};

struct PlanSummary {
  int accounts = 0;
  int jobs_planned = 0;
  int jobs_created = 0;  // the rest existed already
  int outbound = 0;      // planned outbound sends (the day's volume, summed)
};

PlanSummary PlanWarmupDay(pg::Connection& conn, Client& client, const PlanRequest& request);

// The job id of one planned job.
std::string PlannedJobId(const std::string& account_id, std::chrono::sys_days date,
                         const std::string& kind, int step);

}  // namespace postwork::handlers::warmup
