#include "http/scrape_metrics.hpp"

#include "core/clock.hpp"
#include "core/process_stats.hpp"

namespace postwork::http {

ScrapeMetrics::ScrapeMetrics(ScrapeOptions options, core::Worker& worker, DependencyProbe& probe)
    : options_(std::move(options)),
      worker_(worker),
      probe_(probe),
      broker_(redis::ParseRedisUrl(options_.redis_url)),
      store_(options_.database_url),
      queue_jobs_(registry_.AddGauge(
          "postwork_queue_jobs",
          "Jobs per queue and state: ready (in the Redis list), scheduled (waiting for a later "
          "run_at), in_flight (running), dead (dead letters).",
          {"queue", "state"})),
      oldest_age_(registry_.AddGauge("postwork_queue_oldest_ready_age_seconds",
                                     "Age of the oldest ready job per queue (0 when empty).",
                                     {"queue"})),
      dependency_up_(registry_.AddGauge("postwork_dependency_up",
                                        "1 when the dependency answered at this scrape, else 0.",
                                        {"dependency"})),
      redis_errors_(registry_.AddCounter("postwork_redis_errors_total",
                                         "Redis calls of this worker that failed (unavailable "
                                         "or a command error).")),
      postgres_errors_(registry_.AddCounter("postwork_postgres_errors_total",
                                            "PostgreSQL calls of this worker that failed.")),
      worker_info_(registry_.AddGauge("postwork_worker_info",
                                      "Always 1; labels name this worker and its version.",
                                      {"worker_id", "version"})),
      worker_fetching_(
          registry_.AddGauge("postwork_worker_fetching",
                             "1 while the worker fetches jobs; 0 during an outage or shutdown.")),
      worker_slots_(registry_.AddGauge(
          "postwork_worker_slots",
          "Job slots of this worker: active (in use by the in-process autoscaler, or the fixed "
          "concurrency) and max.",
          {"state"})),
      live_workers_(registry_.AddGauge(
          "postwork_live_workers", "Workers with a fresh heartbeat in Redis, on every machine.")),
      desired_replicas_(registry_.AddGauge(
          "postwork_desired_replicas",
          "Worker replicas the [scaling] queue-depth rules ask for now over this worker's "
          "queues (the live count, one step up or down; no cool-down: the platform's "
          "autoscaler stabilises).")),
      cpu_(registry_.AddCounter("process_cpu_seconds_total",
                                "User and system CPU time spent, in seconds.")),
      rss_(registry_.AddGauge("process_resident_memory_bytes", "Resident memory size in bytes.")),
      vsize_(registry_.AddGauge("process_virtual_memory_bytes", "Virtual memory size in bytes.")),
      open_fds_(registry_.AddGauge("process_open_fds", "Open file descriptors.")),
      max_fds_(registry_.AddGauge("process_max_fds", "The limit on open file descriptors.")),
      sockets_(registry_.AddGauge(
          "postwork_process_open_connections",
          "Open sockets of this process (Redis, PostgreSQL, SMTP, HTTP connections).")),
      threads_(registry_.AddGauge("postwork_process_threads", "Threads of this process.")),
      start_time_(registry_.AddGauge("process_start_time_seconds",
                                     "Start time of the process since the Unix epoch, seconds.")) {
  worker_info_.With({worker_.id(), POSTWORK_VERSION}).Set(1);
}

void ScrapeMetrics::RefreshQueues(const ProbeResult& probe) {
  auto now = std::chrono::steady_clock::now();
  if (now - last_queue_refresh_ < options_.min_refresh) return;
  last_queue_refresh_ = now;
  queue_jobs_.Clear();
  oldest_age_.Clear();
  live_workers_.Clear();
  desired_replicas_.Clear();
  if (!probe.redis_ok) return;  // no numbers rather than stale ones
  try {
    auto o = core::ReadOverview(broker_, probe.postgres_ok ? &store_ : nullptr, options_.queues,
                                core::SystemClock::Instance().NowMs());
    for (const auto& q : o.queues) {
      queue_jobs_.With({q.queue, "ready"}).Set(static_cast<double>(q.ready));
      if (probe.postgres_ok && o.postgres_error.empty()) {
        queue_jobs_.With({q.queue, "scheduled"}).Set(static_cast<double>(q.scheduled));
        queue_jobs_.With({q.queue, "in_flight"}).Set(static_cast<double>(q.in_flight));
        queue_jobs_.With({q.queue, "dead"}).Set(static_cast<double>(q.dead));
      }
      oldest_age_.With({q.queue}).Set(q.oldest_ready_age_s);
    }
    int live = static_cast<int>(broker_.ListWorkers(o.now_ms, 60000).size());
    auto fleet = core::ComputeFleetScaling(o, options_.queues, live, options_.scaling);
    live_workers_.With({}).Set(live);
    desired_replicas_.With({}).Set(fleet.desired_replicas);
  } catch (const std::exception&) {
    queue_jobs_.Clear();
    oldest_age_.Clear();
    live_workers_.Clear();
    desired_replicas_.Clear();
    last_queue_refresh_ = {};  // try again at the next scrape
  }
}

void ScrapeMetrics::RefreshProcess() {
  auto p = core::ReadProcessStats();
  cpu_.With({}).MirrorTotal(p.cpu_seconds);
  rss_.With({}).Set(static_cast<double>(p.resident_bytes));
  vsize_.With({}).Set(static_cast<double>(p.virtual_bytes));
  open_fds_.With({}).Set(static_cast<double>(p.open_fds));
  max_fds_.With({}).Set(static_cast<double>(p.max_fds));
  sockets_.With({}).Set(static_cast<double>(p.open_sockets));
  threads_.With({}).Set(static_cast<double>(p.threads));
  start_time_.With({}).Set(p.start_time_seconds);
}

std::string ScrapeMetrics::Render() {
  std::lock_guard lock(mu_);
  auto probe = probe_.Check();
  dependency_up_.With({"redis"}).Set(probe.redis_ok ? 1 : 0);
  dependency_up_.With({"postgresql"}).Set(probe.postgres_ok ? 1 : 0);
  auto& stats = worker_.stats();
  redis_errors_.With({}).MirrorTotal(static_cast<double>(stats.redis_errors.load()));
  postgres_errors_.With({}).MirrorTotal(static_cast<double>(stats.pg_errors.load()));
  worker_fetching_.With({}).Set(worker_.fetching() && !worker_.stopping() ? 1 : 0);
  worker_slots_.With({"active"}).Set(worker_.active_slots());
  worker_slots_.With({"max"}).Set(worker_.max_slots());
  RefreshQueues(probe);
  RefreshProcess();
  return stats.metrics.registry().Render() + registry_.Render();
}

}  // namespace postwork::http
