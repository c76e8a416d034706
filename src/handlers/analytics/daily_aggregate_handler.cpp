#include "handlers/analytics/daily_aggregate_handler.hpp"

#include "handlers/analytics/analytics_date.hpp"
#include "handlers/analytics/daily_stats_queries.hpp"
#include "pg/thread_connection.hpp"
#include "postwork/error.hpp"

namespace postwork::handlers::analytics {

std::string AggregateDay(const JobContext& ctx, int64_t now_ms) {
  const auto& p = ctx.payload;
  if (p.is_object() && p.contains("date") && !p["date"].is_null()) {
    auto day = p["date"].is_string() ? ParseDay(p["date"].get<std::string>()) : std::nullopt;
    if (!day) throw PermanentError("payload field \"date\" must be a date as YYYY-MM-DD");
    return FormatDay(*day);
  }
  // A cron tick aggregates the day before the tick, however late it runs.
  if (auto tick = CronTickSeconds(ctx.job_id)) return FormatDay(DayBefore(*tick * 1000));
  return FormatDay(DayBefore(now_ms));
}

Handler DailyAggregateHandler(DailyAggregateDeps deps) {
  return [deps = std::move(deps)](JobContext& ctx) {
    std::string day = AggregateDay(ctx, deps.clock->NowMs());
    auto& conn = pg::ThreadConnection(deps.database_url);
    return pg::InTransaction(conn, [&] {
      auto campaigns = conn.Exec(queries::kCampaignStats, {day});
      bool warmup = conn.Exec(queries::kWarmupAvailable).Get(0, 0) == "t";
      int64_t warmup_rows = 0, removed = campaigns.GetInt(0, 1);
      if (warmup) {
        auto w = conn.Exec(queries::kWarmupStats, {day});
        warmup_rows = w.GetInt(0, 0);
        removed += w.GetInt(0, 1);
      }
      auto queues = conn.Exec(queries::kQueueStats, {day});
      removed += queues.GetInt(0, 1);
      return Outcome::Completed({{"success", true},
                                 {"date", day},
                                 {"statsRows", campaigns.GetInt(0, 0) + warmup_rows},
                                 {"queueRows", queues.GetInt(0, 0)},
                                 {"removedRows", removed},
                                 {"warmup", warmup ? "aggregated" : "no warmup_events table"}});
    });
  };
}

}  // namespace postwork::handlers::analytics
