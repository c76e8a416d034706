// Read-mostly views: workers, jobs, stats, and `reconcile`.
#include <iostream>

#include "cli/context.hpp"
#include "core/clock.hpp"
#include "core/job_admin.hpp"
#include "core/queue_overview.hpp"
#include "core/queues.hpp"
#include "core/reconciler.hpp"
#include "pg/job_store.hpp"
#include "postwork/error.hpp"
#include "redis/broker.hpp"

namespace postwork::cli {

void AddInspect(CLI::App& app, Context& ctx, int& exit_code) {
  auto* workers = app.add_subcommand("workers", "List live workers and their health");
  workers->add_flag("--json", ctx.json, "Machine-readable output");
  workers->callback([&ctx, &exit_code] {
    auto cfg = ctx.Load();
    app::RequireRedis(cfg);
    redis::Broker broker(redis::ParseRedisUrl(cfg.redis_url));
    auto list = broker.ListWorkers(core::SystemClock::Instance().NowMs(), 60000);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& w : list) out.push_back(nlohmann::json::parse(w.health_json, nullptr, false));
    if (ctx.json) {
      std::cout << out.dump(2) << "\n";
    } else {
      for (const auto& w : out) {
        if (!w.is_object()) continue;
        std::cout << w.value("worker_id", "?") << "  " << w.value("status", "?")
                  << "  processed=" << w.value("jobs_processed", 0)
                  << "  failed=" << w.value("jobs_failed", 0)
                  << "  avg_ms=" << w.value("average_processing_time", 0.0)
                  << "  uptime_s=" << w.value("uptime", 0.0) << "\n";
      }
      std::cout << out.size() << " live worker(s)\n";
    }
    exit_code = 0;
  });

  auto* jobs = app.add_subcommand("jobs", "Show, list and cancel jobs");
  jobs->require_subcommand(1);
  auto id = std::make_shared<std::string>();
  auto filter = std::make_shared<pg::JobFilter>();
  auto* show = jobs->add_subcommand("show", "A job: its row, every attempt, its Redis state");
  show->add_option("id", *id)->required();
  show->add_flag("--json", ctx.json, "Machine-readable output");
  show->callback([&ctx, &exit_code, id] {
    auto cfg = ctx.Load();
    app::RequireDatabase(cfg);
    pg::JobStore store(cfg.database_url);
    std::unique_ptr<redis::Broker> broker;
    if (!cfg.redis_url.empty()) broker = std::make_unique<redis::Broker>(redis::ParseRedisUrl(cfg.redis_url));
    auto out = core::JobDetail(store, broker.get(), *id);
    if (!out) {
      std::cerr << "postwork: no job with id " << *id << "\n";
      exit_code = 1;
      return;
    }
    std::cout << out->dump(2) << "\n";
    exit_code = 0;
  });
  auto* list = jobs->add_subcommand("list", "List jobs, newest first");
  list->add_option("--queue", filter->queue);
  list->add_option("--status", filter->status);
  list->add_option("--tenant", filter->tenant);
  list->add_option("--limit", filter->limit)->check(CLI::Range(1, 100000));
  list->add_flag("--json", ctx.json, "Machine-readable output");
  list->callback([&ctx, &exit_code, filter] {
    auto cfg = ctx.Load();
    app::RequireDatabase(cfg);
    if (!filter->queue.empty()) filter->queue = core::NormalizeQueueName(filter->queue);
    if (!filter->status.empty() && !ParseJobStatus(filter->status)) {
      throw ConfigError("--status: unknown status '" + filter->status + "'");
    }
    pg::JobStore store(cfg.database_url);
    auto rows = store.List(*filter);
    if (ctx.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& j : rows) out.push_back(core::JobJson(j));
      std::cout << out.dump(2) << "\n";
    } else {
      for (const auto& j : rows) {
        std::cout << j.id << "  " << j.queue << "  " << j.status << "  attempts="
                  << j.attempt_count << "/" << j.max_attempts << "  " << j.updated_at << "\n";
      }
    }
    exit_code = 0;
  });
  auto* cancel = jobs->add_subcommand("cancel", "Cancel a queued or scheduled job");
  cancel->add_option("id", *id)->required();
  cancel->callback([&ctx, &exit_code, id] {
    auto cfg = ctx.Load();
    app::RequireDatabase(cfg);
    pg::JobStore store(cfg.database_url);
    std::unique_ptr<redis::Broker> broker;
    if (!cfg.redis_url.empty()) broker = std::make_unique<redis::Broker>(redis::ParseRedisUrl(cfg.redis_url));
    if (!core::CancelJob(store, broker.get(), *id)) {
      std::cerr << "postwork: job " << *id << " is not queued or scheduled (see jobs show)\n";
      exit_code = 1;
      return;
    }
    std::cout << "cancelled " << *id << "\n";
    exit_code = 0;
  });

  auto* stats = app.add_subcommand("stats", "Per queue: ready, scheduled, in flight, dead, rates");
  stats->add_flag("--json", ctx.json, "Machine-readable output");
  stats->callback([&ctx, &exit_code] {
    auto cfg = ctx.Load();
    app::RequireRedis(cfg);
    redis::Broker broker(redis::ParseRedisUrl(cfg.redis_url));
    std::unique_ptr<pg::OperatorStore> store;
    if (!cfg.database_url.empty()) store = std::make_unique<pg::OperatorStore>(cfg.database_url);
    auto overview =
        core::ReadOverview(broker, store.get(), {}, core::SystemClock::Instance().NowMs());
    int live = static_cast<int>(broker.ListWorkers(overview.now_ms, 60000).size());
    auto fleet = core::ComputeFleetScaling(overview, core::DefaultQueues(), live, cfg.scaling);
    if (ctx.json) {
      auto j = core::ToJson(overview);
      j["scaling"] = core::ToJson(fleet, cfg.scaling);
      std::cout << j.dump(2) << "\n";
    } else {
      std::printf("%-32s %8s %9s %9s %8s %8s %8s %8s %8s %9s\n", "queue", "ready", "scheduled",
                  "in_flight", "dead", "done/1m", "fail/1m", "done/1h", "fail/1h", "oldest_s");
      for (const auto& q : overview.queues) {
        std::printf("%-32s %8lld %9lld %9lld %8lld %8lld %8lld %8lld %8lld %9.1f\n",
                    q.queue.c_str(), static_cast<long long>(q.ready),
                    static_cast<long long>(q.scheduled), static_cast<long long>(q.in_flight),
                    static_cast<long long>(q.dead), static_cast<long long>(q.processed_1m),
                    static_cast<long long>(q.failed_1m), static_cast<long long>(q.processed_1h),
                    static_cast<long long>(q.failed_1h), q.oldest_ready_age_s);
      }
      std::printf("total: ready=%lld scheduled=%lld in_flight=%lld dead=%lld (Redis)\n",
                  static_cast<long long>(overview.ready), static_cast<long long>(overview.scheduled),
                  static_cast<long long>(overview.in_flight), static_cast<long long>(overview.dead));
      std::printf("scaling: %d live worker(s), desired replicas %d ([scaling] min %d, max %d, "
                  "high water %lld, low water %lld, over the seed queues)\n",
                  fleet.live_workers, fleet.desired_replicas, cfg.scaling.min, cfg.scaling.max,
                  static_cast<long long>(cfg.scaling.high_water),
                  static_cast<long long>(cfg.scaling.low_water));
      if (!overview.postgres_error.empty()) {
        std::printf("PostgreSQL unavailable, per-queue scheduled/in_flight/dead unknown: %s\n",
                    overview.postgres_error.c_str());
      }
    }
    exit_code = 0;
  });

  auto* reconcile = app.add_subcommand(
      "reconcile", "Push live PostgreSQL jobs that Redis has lost (e.g. after a Redis restart)");
  auto grace = std::make_shared<int>(30);
  reconcile->add_option("--grace-seconds", *grace, "Skip jobs updated more recently than this")
      ->check(CLI::Range(0, 86400));
  reconcile->callback([&ctx, &exit_code, grace] {
    auto cfg = ctx.Load();
    app::RequireRedis(cfg);
    app::RequireDatabase(cfg);
    redis::Broker broker(redis::ParseRedisUrl(cfg.redis_url));
    pg::JobStore store(cfg.database_url);
    auto pushed = core::ReconcileOnce(broker, store, *grace, core::SystemClock::Instance().NowMs());
    std::cout << "pushed " << pushed << " job(s) back to Redis\n";
    exit_code = 0;
  });
}

}  // namespace postwork::cli
