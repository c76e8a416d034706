#pragma once
// queue:analytics:daily-aggregate: recomputes one day of daily_stats (per
// tenant, campaign and sending account, the tenant's local day; warmup per
// account) and daily_queue_stats (per queue, the UTC day). Running a day
// again gives the same rows.
//   payload {"date": "YYYY-MM-DD"}   default: the day before the cron tick that
//            enqueued the job (job id cron:<name>:<epoch>), else yesterday (UTC)
//   result  {success, date, statsRows, queueRows, removedRows, warmup}
#include <string>

#include "core/clock.hpp"
#include "postwork/handler.hpp"

namespace postwork::handlers::analytics {

inline constexpr const char* kDailyAggregateQueue = "queue:analytics:daily-aggregate";

struct DailyAggregateDeps {
  std::string database_url;
  const core::Clock* clock = &core::SystemClock::Instance();
};

Handler DailyAggregateHandler(DailyAggregateDeps deps);

// The day a job aggregates (PermanentError for a malformed "date").
std::string AggregateDay(const JobContext& ctx, int64_t now_ms);

}  // namespace postwork::handlers::analytics
