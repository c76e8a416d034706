#pragma once
// The metrics read at scrape time rather than recorded as jobs run: queue
// depths and the oldest ready job's age (Redis, PostgreSQL), dependency
// health, Redis/PostgreSQL error totals and the process's resources. Rendered
// after the engine's own metrics (core::JobMetrics).
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "core/metrics.hpp"
#include "core/queue_overview.hpp"
#include "core/worker.hpp"
#include "http/dependency_probe.hpp"

namespace postwork::http {

struct ScrapeOptions {
  std::string redis_url;
  std::string database_url;
  std::vector<std::string> queues;  // the worker's; every known queue is shown too
  core::ScalingPolicy scaling;      // for postwork_desired_replicas
  // Queue depths are read at most this often however often anyone scrapes.
  std::chrono::milliseconds min_refresh{1000};
};

class ScrapeMetrics {
 public:
  ScrapeMetrics(ScrapeOptions options, core::Worker& worker, DependencyProbe& probe);
  // The whole /metrics body.
  std::string Render();

 private:
  void RefreshQueues(const ProbeResult& probe);
  void RefreshProcess();

  ScrapeOptions options_;
  core::Worker& worker_;
  DependencyProbe& probe_;
  std::mutex mu_;  // one scrape at a time: the connections are not shared
  redis::Broker broker_;
  pg::OperatorStore store_;
  std::chrono::steady_clock::time_point last_queue_refresh_{};

  core::metrics::Registry registry_;
  core::metrics::Family<core::metrics::Gauge>& queue_jobs_;
  core::metrics::Family<core::metrics::Gauge>& oldest_age_;
  core::metrics::Family<core::metrics::Gauge>& dependency_up_;
  core::metrics::Family<core::metrics::Counter>& redis_errors_;
  core::metrics::Family<core::metrics::Counter>& postgres_errors_;
  core::metrics::Family<core::metrics::Gauge>& worker_info_;
  core::metrics::Family<core::metrics::Gauge>& worker_fetching_;
  core::metrics::Family<core::metrics::Gauge>& worker_slots_;
  core::metrics::Family<core::metrics::Gauge>& live_workers_;
  core::metrics::Family<core::metrics::Gauge>& desired_replicas_;
  core::metrics::Family<core::metrics::Counter>& cpu_;
  core::metrics::Family<core::metrics::Gauge>& rss_;
  core::metrics::Family<core::metrics::Gauge>& vsize_;
  core::metrics::Family<core::metrics::Gauge>& open_fds_;
  core::metrics::Family<core::metrics::Gauge>& max_fds_;
  core::metrics::Family<core::metrics::Gauge>& sockets_;
  core::metrics::Family<core::metrics::Gauge>& threads_;
  core::metrics::Family<core::metrics::Gauge>& start_time_;
};

}  // namespace postwork::http
