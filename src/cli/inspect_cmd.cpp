// Read-mostly views: workers, jobs, stats, and `reconcile`.
#include <iostream>

#include "cli/context.hpp"
#include "core/clock.hpp"
#include "core/queues.hpp"
#include "core/reconciler.hpp"
#include "pg/job_store.hpp"
#include "postwork/error.hpp"
#include "redis/broker.hpp"

namespace postwork::cli {
namespace {
nlohmann::json JobJson(const pg::StoredJob& j) {
  return {{"id", j.id}, {"queue", j.queue}, {"status", j.status}, {"payload", j.payload},
          {"attempt_count", j.attempt_count}, {"max_attempts", j.max_attempts},
          {"worker_id", j.worker_id}, {"tenant_id", j.tenant_id},
          {"idempotency_key", j.idempotency_key}, {"last_error", j.last_error},
          {"result", j.result}, {"created_at", j.created_at}, {"updated_at", j.updated_at},
          {"started_at", j.started_at}, {"completed_at", j.completed_at}, {"run_at", j.run_at}};
}
}  // namespace

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
    auto job = store.Get(*id);
    if (!job) {
      std::cerr << "postwork: no job with id " << *id << "\n";
      exit_code = 1;
      return;
    }
    nlohmann::json out = JobJson(*job);
    out["executions"] = nlohmann::json::array();
    for (const auto& e : store.Executions(*id)) {
      out["executions"].push_back({{"attempt", e.attempt}, {"worker_id", e.worker_id},
                                   {"status", e.status}, {"error", e.error},
                                   {"started_at", e.started_at}, {"finished_at", e.finished_at},
                                   {"duration_ms", e.duration_ms}});
    }
    if (!cfg.redis_url.empty()) {
      try {
        redis::Broker broker(redis::ParseRedisUrl(cfg.redis_url));
        auto h = broker.JobHash(*id);
        h.erase("envelope");
        out["redis"] = h;
      } catch (const UnavailableError& e) {
        out["redis"] = {{"error", e.what()}};
      }
    }
    std::cout << out.dump(2) << "\n";
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
      for (const auto& j : rows) out.push_back(JobJson(j));
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
    if (!store.Cancel(*id)) {
      std::cerr << "postwork: job " << *id << " is not queued or scheduled (see jobs show)\n";
      exit_code = 1;
      return;
    }
    if (!cfg.redis_url.empty()) {
      redis::Broker broker(redis::ParseRedisUrl(cfg.redis_url));
      // Drop it from the schedule and its queue now; the fetch script also
      // skips any entry whose job is marked cancelled.
      auto h = broker.JobHash(*id);
      std::vector<std::vector<std::string>> cmds = {
          {"ZREM", "pw:scheduled", *id}, {"HSET", "job:" + *id, "status", "cancelled"}};
      if (h.count("queue") && h.count("envelope")) {
        cmds.push_back({"LREM", h["queue"], "1", h["envelope"]});
        if (h.count("tenant")) {
          cmds.push_back({"LREM", "pw:tq:" + h["queue"] + ":" + h["tenant"], "1", h["envelope"]});
        }
      }
      broker.connection().Pipeline(cmds);
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
    int64_t now = core::SystemClock::Instance().NowMs();
    auto queues = core::DefaultQueues();
    queues.push_back(std::string(core::kDiagnosticQueue));
    auto ready = broker.ReadyCounts(queues);
    auto minute = broker.CountersSince(now, 1);
    auto hour = broker.CountersSince(now, 60);
    nlohmann::json out = {{"scheduled", broker.ScheduledCount()},
                          {"in_flight", broker.InFlightCount()},
                          {"dead", broker.DeadCount()},
                          {"queues", nlohmann::json::array()}};
    for (const auto& q : queues) {
      int64_t oldest = broker.OldestReadyEnqueuedAt(q);
      out["queues"].push_back({{"queue", q}, {"ready", ready[q]},
                               {"processed_1m", minute["processed:" + q]},
                               {"failed_1m", minute["failed:" + q]},
                               {"processed_1h", hour["processed:" + q]},
                               {"failed_1h", hour["failed:" + q]},
                               {"dead_1h", hour["dead:" + q]},
                               {"oldest_ready_age_s", oldest > 0 ? (now - oldest) / 1000.0 : 0.0}});
    }
    if (ctx.json) {
      std::cout << out.dump(2) << "\n";
    } else {
      std::printf("%-36s %8s %10s %10s %10s %10s\n", "queue", "ready", "done/1m", "fail/1m",
                  "done/1h", "oldest_s");
      for (const auto& q : out["queues"]) {
        std::printf("%-36s %8lld %10lld %10lld %10lld %10.1f\n",
                    q["queue"].get<std::string>().c_str(), q["ready"].get<long long>(),
                    q["processed_1m"].get<long long>(), q["failed_1m"].get<long long>(),
                    q["processed_1h"].get<long long>(), q["oldest_ready_age_s"].get<double>());
      }
      std::printf("scheduled=%lld in_flight=%lld dead=%lld\n", out["scheduled"].get<long long>(),
                  out["in_flight"].get<long long>(), out["dead"].get<long long>());
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
