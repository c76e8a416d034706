#include "cli/demo_daily_stats.hpp"

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "handlers/analytics/analytics_date.hpp"
#include "handlers/analytics/daily_aggregate_handler.hpp"
#include "pg/connection.hpp"
#include "postwork/client.hpp"

namespace postwork::cli {

std::vector<std::string> RunDemoDailyStats(const std::string& database_url,
                                           const std::string& redis_url,
                                           const std::string& tenant_id, int timeout_s,
                                           const std::function<bool()>& stopping) {
  namespace analytics = handlers::analytics;
  auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  Client client(ClientOptions{.redis_url = redis_url, .database_url = database_url});
  pg::Connection conn(database_url);
  std::vector<std::string> lines;
  for (auto day : {today - std::chrono::days(1), today}) {
    std::string text = analytics::FormatDay(day);
    auto job = client.Enqueue(analytics::kDailyAggregateQueue, {{"date", text}},
                              {.idempotency_key = "analytics:" + text});
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    std::string status;
    while (std::chrono::steady_clock::now() < deadline && !stopping()) {
      status = conn.Exec("SELECT status FROM jobs WHERE id = $1", {job.id}).Get(0, 0);
      if (status == "completed" || status == "failed") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (status != "completed") {
      lines.push_back(text + ": not aggregated (" + status + ")");
      continue;
    }
    auto r = conn.Exec(
        "SELECT coalesce(sum(sent), 0), coalesce(sum(replies), 0), coalesce(sum(auto_replies), "
        "0), coalesce(sum(hard_bounces), 0), coalesce(sum(soft_bounces), 0), "
        "coalesce(sum(warmup_sent), 0), count(*) FROM daily_stats WHERE tenant_id = $1 AND day = "
        "$2::date",
        {tenant_id, text});
    lines.push_back(fmt::format(
        "{}: sent {}, replies {}, auto-replies {}, bounces {} hard + {} soft, warmup sent {} "
        "({} rows in daily_stats)",
        text, r.Get(0, 0), r.Get(0, 1), r.Get(0, 2), r.Get(0, 3), r.Get(0, 4), r.Get(0, 5),
        r.Get(0, 6)));
  }
  return lines;
}

}  // namespace postwork::cli
