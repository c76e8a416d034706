#include <algorithm>
#include <iostream>

#include "app/handlers.hpp"
#include "cli/context.hpp"
#include "cli/signals.hpp"
#include "core/worker.hpp"
#include "http/http_module.hpp"
#include "postwork/error.hpp"

namespace postwork::cli {

void AddWorker(CLI::App& app, Context& ctx, int& exit_code) {
  auto* cmd = app.add_subcommand("worker", "Run a worker process");
  struct Flags {
    std::optional<std::string> queues, id, order, http;
    std::optional<int> concurrency, lease, shutdown, batch, prefetch, min_concurrency, max_concurrency;
    double slot_cooldown_s = 5;
  };
  auto flags = std::make_shared<Flags>();
  cmd->add_option("--queues", flags->queues,
                  "Comma list, highest priority first (default: every seed queue)");
  cmd->add_option("--concurrency", flags->concurrency, "Job slots in this process (default 10)")
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--min-concurrency", flags->min_concurrency,
                  "Autoscale job slots from this many (with --max-concurrency)")
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--max-concurrency", flags->max_concurrency,
                  "... up to this many, by the [scaling] queue-depth rules")
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--slot-cooldown", flags->slot_cooldown_s, "Seconds between two slot changes (5)")
      ->check(CLI::Range(0.0, 86400.0));
  cmd->add_option("--lease-seconds", flags->lease, "Lease length, renewed while a job runs (30)")
      ->check(CLI::Range(2, 86400));
  cmd->add_option("--shutdown-timeout", flags->shutdown,
                  "Seconds to let running jobs finish on SIGTERM (30)")
      ->check(CLI::Range(0, 86400));
  cmd->add_option("--batch-size", flags->batch,
                  "Jobs fetched per Redis call (min(concurrency,100))")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--prefetch", flags->prefetch,
                  "Jobs fetched ahead of the free slots while jobs take under 2 ms (16; 0 = none)")
      ->check(CLI::Range(0, 1000));
  cmd->add_option("--queue-order", flags->order, "strict (default) or weighted");
  cmd->add_option("--id", flags->id, "Worker id (default worker-<host>-<pid>-<random>)");
  cmd->add_option("--http", flags->http,
                  "Serve /health, /ready and /metrics on HOST:PORT (off unless given)");
  cmd->callback([&ctx, &exit_code, flags] {
    auto cfg = ctx.Load();
    app::RequireRedis(cfg);
    app::RequireDatabase(cfg);
    auto& w = cfg.worker;
    if (flags->queues) w.queues = core::ParseQueueList(*flags->queues);
    if (flags->concurrency) w.concurrency = *flags->concurrency;
    if (flags->lease) w.lease_seconds = *flags->lease;
    if (flags->shutdown) w.shutdown_timeout_seconds = *flags->shutdown;
    if (flags->batch) w.batch_size = *flags->batch;
    if (flags->prefetch) w.prefetch = *flags->prefetch;
    if (flags->order) w.order = core::ParseQueueOrder(*flags->order);
    if (flags->id) w.id = *flags->id;
    if (flags->min_concurrency || flags->max_concurrency) {
      if (!flags->min_concurrency || !flags->max_concurrency) {
        throw ConfigError("--min-concurrency and --max-concurrency go together");
      }
      if (flags->concurrency) {
        throw ConfigError(
            "--concurrency is fixed; drop it to autoscale with --min/--max-concurrency");
      }
      if (*flags->min_concurrency > *flags->max_concurrency) {
        throw ConfigError("--min-concurrency must not be above --max-concurrency");
      }
      core::ScalingPolicy slots = cfg.scaling;  // water marks and age from [scaling]
      slots.min = *flags->min_concurrency;
      slots.max = *flags->max_concurrency;
      slots.step = std::max(1, (slots.max - slots.min) / 4);
      slots.cooldown_ms = static_cast<int64_t>(flags->slot_cooldown_s * 1000);
      w.slot_scaling = slots;
    }
    app::AddBuiltinCron(cfg.worker.cron);
    auto handlers = app::BuildHandlers(
        {.database_url = cfg.database_url, .redis_url = cfg.redis_url, .config = &cfg});
    core::Worker worker(w, handlers);
    SignalWatcher signals([&worker](int) { worker.RequestStop(); });
    std::unique_ptr<http::RunningServer> endpoints;
    if (flags->http) {
      endpoints =
          http::StartWorkerServer(http::WorkerServerOptions{.listen = *flags->http,
                                                            .redis_url = cfg.redis_url,
                                                            .database_url = cfg.database_url,
                                                            .queues = w.queues,
                                                            .scaling = cfg.scaling},
                                  worker);
    }
    worker.Run();
    exit_code = 0;
  });
}

}  // namespace postwork::cli
