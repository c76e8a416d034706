// `postwork analytics run`: backfill daily_stats by enqueuing one
// queue:analytics:daily-aggregate job per day (the engine runs them, exactly
// like the daily cron tick); --wait follows them to the end.
#include <chrono>
#include <iostream>
#include <thread>

#include "cli/context.hpp"
#include "handlers/analytics/analytics_date.hpp"
#include "handlers/analytics/daily_aggregate_handler.hpp"
#include "pg/connection.hpp"
#include "postwork/client.hpp"
#include "postwork/error.hpp"

namespace postwork::cli {
namespace {
namespace analytics = handlers::analytics;
constexpr int kMaxDays = 3660;

std::chrono::sys_days Day(const std::string& flag, const std::string& text) {
  auto day = analytics::ParseDay(text);
  if (!day) throw ConfigError(flag + ": '" + text + "' is not a date as YYYY-MM-DD");
  return *day;
}

// Every job terminal: 0 when all completed, 1 otherwise.
int Wait(const std::string& database_url, const std::vector<Enqueued>& jobs, int timeout_s) {
  pg::Connection conn(database_url);
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& j : jobs) ids.push_back(j.id);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (true) {
    auto r = conn.Exec(
        "SELECT count(*) FILTER (WHERE status IN ('queued', 'running', 'retry_scheduled')), "
        "count(*) FILTER (WHERE status IN ('failed', 'cancelled')) FROM jobs "
        "WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))",
        {ids.dump()});
    if (r.GetInt(0, 0) == 0) {
      int64_t failed = r.GetInt(0, 1);
      std::cout << jobs.size() - static_cast<size_t>(failed) << " day(s) aggregated"
                << (failed ? ", " + std::to_string(failed) + " failed (see postwork dlq list)" : "")
                << "\n";
      return failed ? 1 : 0;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      std::cerr << "postwork: timed out waiting for the aggregate jobs (is a worker running on "
                << analytics::kDailyAggregateQueue << "?)\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}
}  // namespace

void AddAnalytics(CLI::App& app, Context& ctx, int& exit_code) {
  auto* group = app.add_subcommand("analytics", "Daily statistics (daily_stats)");
  group->require_subcommand(1);
  auto* cmd = group->add_subcommand(
      "run", "Aggregate one day (--date) or a range (--from/--to) through the job engine");
  struct Flags {
    std::string date, from, to;
    bool wait = false;
    int timeout = 600;
  };
  auto f = std::make_shared<Flags>();
  auto* date = cmd->add_option("--date", f->date, "The day, YYYY-MM-DD");
  auto* from = cmd->add_option("--from", f->from, "First day of a range, YYYY-MM-DD")->excludes(date);
  cmd->add_option("--to", f->to, "Last day of the range (inclusive)")->needs(from);
  from->needs(cmd->get_option("--to"));
  cmd->add_flag("--wait", f->wait, "Wait until every day is aggregated (exit 1 if one failed)");
  cmd->add_option("--timeout", f->timeout, "Seconds --wait waits (600)")->check(CLI::Range(1, 86400));
  cmd->callback([&ctx, &exit_code, f] {
    if (f->date.empty() && f->from.empty()) throw ConfigError("give --date D or --from D1 --to D2");
    auto first = Day(f->date.empty() ? "--from" : "--date", f->date.empty() ? f->from : f->date);
    auto last = f->date.empty() ? Day("--to", f->to) : first;
    if (last < first) throw ConfigError("--to is before --from");
    if ((last - first).count() >= kMaxDays) {
      throw ConfigError("a range is at most " + std::to_string(kMaxDays) + " days");
    }
    auto cfg = ctx.Load();
    app::RequireRedis(cfg);
    app::RequireDatabase(cfg);
    Client client(ClientOptions{.redis_url = cfg.redis_url,
                                .database_url = cfg.database_url,
                                .default_max_attempts = cfg.worker.default_max_attempts,
                                .max_attempts_by_queue = cfg.worker.max_attempts_by_queue,
                                .max_payload_bytes = cfg.max_payload_bytes});
    std::vector<Enqueued> jobs;
    for (auto day = first; day <= last; day += std::chrono::days(1)) {
      std::string text = analytics::FormatDay(day);
      // The key stops a second run for a day while one is waiting; once it
      // ran, the day can be aggregated again (same rows).
      auto e = client.Enqueue(analytics::kDailyAggregateQueue, {{"date", text}},
                              {.idempotency_key = "analytics:" + text});
      std::cout << text << "  " << e.id << (e.created ? "" : "  (already waiting)") << "\n";
      jobs.push_back(e);
    }
    exit_code = f->wait ? Wait(cfg.database_url, jobs, f->timeout) : 0;
  });
}

}  // namespace postwork::cli
