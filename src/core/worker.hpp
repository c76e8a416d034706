#pragma once
// One worker process: a fetcher, N job slots, a completer, a maintenance loop
// (lease renewal, reclaim, timeouts, heartbeat, cron) and a reconciler.
#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/autoscaler.hpp"
#include "core/clock.hpp"
#include "core/completer.hpp"
#include "core/cron.hpp"
#include "core/executor.hpp"
#include "core/handler_registry.hpp"
#include "core/in_flight.hpp"
#include "core/queues.hpp"
#include "core/retry_policy.hpp"
#include "core/worker_stats.hpp"

namespace postwork::core {

// A handler this short on average (microseconds) is about a fetch's round
// trip: the fetch loop prefetches for such jobs (WorkerOptions::prefetch).
inline constexpr int64_t kShortJobUs = 2000;

struct WorkerOptions {
  std::string id;  // "" = the seed's worker-<host>-<pid>-<random9>
  std::string redis_url;
  std::string database_url;
  std::vector<std::string> queues = DefaultQueues();
  QueueOrder order = QueueOrder::kStrict;
  int concurrency = 10;
  // In-process autoscaling: when set, `concurrency` slot threads exist (it is
  // set to slot_scaling->max) and the active ones move between min and max.
  std::optional<ScalingPolicy> slot_scaling;
  int batch_size = 0;  // 0 = min(concurrency, 100)
  // Jobs fetched ahead of the free slots while the handlers are short (under
  // kShortJobUs on average, and none running that long now): at low
  // concurrency a fetch per job would otherwise bound the rate. 0 = fetch
  // only for free slots.
  int prefetch = 16;
  int lease_seconds = 30;
  int shutdown_timeout_seconds = 30;
  int poll_interval_ms = 100;   // idle wait, for producers that push without waking
  int default_max_attempts = 5;
  std::map<std::string, int> timeout_seconds_by_queue;
  int default_timeout_seconds = 300;
  int64_t terminal_ttl_seconds = 86400;
  int heartbeat_seconds = 5;
  int reclaim_interval_ms = 1000;
  int reconcile_interval_seconds = 60;
  int reconcile_grace_seconds = 30;
  std::vector<CronEntry> cron;
  RetryPolicy retry;
  std::map<std::string, int> max_attempts_by_queue;

  void Validate() const;  // throws ConfigError
};

class Worker {
 public:
  Worker(WorkerOptions options, const HandlerRegistry& handlers,
         const Clock& clock = SystemClock::Instance());
  ~Worker();

  // Runs until RequestStop(); returns after a graceful shutdown.
  void Run();
  // Stop fetching and shut down gracefully (safe from any thread).
  void RequestStop();
  const std::string& id() const { return options_.id; }
  WorkerStats& stats() { return stats_; }
  bool fetching() const { return fetching_.load(); }
  // Job slots in use now (the concurrency, or the autoscaler's choice).
  int active_slots() const;
  int max_slots() const { return options_.concurrency; }
  bool stopping() const { return stop_.load(); }
  // The seed's getWorkerHealth as JSON.
  std::string HealthJson() const;

 private:
  void FetchLoop();
  void MaintenanceLoop();
  void ReconcileLoop();
  void Shutdown();
  int TimeoutMsFor(const std::string& queue) const;
  int MaxAttemptsFor(const std::string& queue) const;

  WorkerOptions options_;
  HandlerRegistry handlers_;  // a copy: the caller's registry may be a temporary
  const Clock& clock_;
  WorkerStats stats_;
  InFlight in_flight_;
  std::unique_ptr<Completer> completer_;
  std::unique_ptr<Executor> executor_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> fetching_{false};
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  int64_t started_ms_ = 0;
  std::thread maintenance_, reconciler_;
};

}  // namespace postwork::core
