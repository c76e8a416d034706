// The reconciler: jobs PostgreSQL holds as live (queued, retry_scheduled,
// running) that Redis has lost (a Redis restart without persistence, a crash
// between the PostgreSQL write and the Redis push) are pushed again. One worker
// at a time runs it (a Redis lock); `postwork reconcile` runs it on demand.
#include "core/reconciler.hpp"

#include "app/log.hpp"
#include "core/worker.hpp"
#include "postwork/error.hpp"

namespace postwork::core {

int64_t ReconcileOnce(redis::Broker& broker, pg::JobStore& store, int grace_seconds, int64_t now_ms,
                      int page) {
  int64_t pushed = 0;
  store.ForEachLiveJobOlderThan(grace_seconds, page, [&](std::vector<pg::StoredJob>& jobs) {
    std::vector<std::pair<std::string, std::string>> checks;
    for (const auto& j : jobs) checks.emplace_back(j.id, j.queue);
    auto statuses = broker.JobStatuses(checks);
    std::vector<std::string> candidates;
    for (size_t i = 0; i < jobs.size(); ++i) {
      const auto& s = statuses[i];
      bool live = !s.is_nil() && s.str != "completed" && s.str != "failed" && s.str != "cancelled";
      if (!live) candidates.push_back(jobs[i].id);
    }
    // The page is the pass's snapshot; a job may have finished since. Push
    // only what PostgreSQL holds as live (and past the grace) now.
    std::vector<redis::PushItem> missing;
    for (const auto& j : store.LiveJobsOlderThan(candidates, grace_seconds)) {
      JobEnvelope env{.id = j.id,
                      .queue = j.queue,
                      .payload = j.payload,
                      .max_attempts = j.max_attempts,
                      .attempt_count = j.attempt_count,
                      .tenant_id = j.tenant_id,
                      .enqueued_at_ms = now_ms,
                      .recorded = true};
      missing.push_back({.id = j.id,
                         .queue = j.queue,
                         .envelope = env.ToWire(),
                         .run_at_ms = j.run_at_ms > now_ms ? j.run_at_ms : 0,
                         .max_attempts = j.max_attempts,
                         .attempt_count = j.attempt_count,
                         .tenant_id = j.tenant_id});
    }
    pushed += broker.Enqueue(missing, now_ms);
  });
  return pushed;
}

void Worker::ReconcileLoop() {
  if (options_.reconcile_interval_seconds <= 0) return;
  redis::Broker broker(redis::ParseRedisUrl(options_.redis_url));
  pg::JobStore store(options_.database_url);
  int64_t next = clock_.NowMs() + options_.reconcile_interval_seconds * 1000LL;
  while (!stop_) {
    {
      std::unique_lock lock(stop_mu_);
      stop_cv_.wait_for(lock, std::chrono::milliseconds(500), [&] { return stop_.load(); });
    }
    int64_t now = clock_.NowMs();
    if (stop_ || now < next) continue;
    next = now + options_.reconcile_interval_seconds * 1000LL;
    try {
      auto ttl = std::chrono::seconds(std::max(1, options_.reconcile_interval_seconds - 1));
      if (!broker.TryLock("reconcile", options_.id, ttl)) continue;
      int64_t pushed = ReconcileOnce(broker, store, options_.reconcile_grace_seconds, now);
      if (pushed > 0) {
        log::Warn("reconciler pushed jobs that Redis had lost",
                  {{"worker_id", options_.id}, {"jobs", std::to_string(pushed)}});
      }
    } catch (const std::exception& e) {
      log::Debug("reconcile pass failed; will retry",
                 {{"worker_id", options_.id}, {"error", e.what()}});
    }
  }
}

}  // namespace postwork::core
