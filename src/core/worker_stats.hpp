#pragma once
#include <atomic>
#include <cstdint>

#include "core/job_metrics.hpp"

namespace postwork::core {
// Counters for the health record (the seed's getWorkerHealth), and the
// per-queue Prometheus metrics behind GET /metrics.
struct WorkerStats {
  std::atomic<int64_t> processed{0};
  std::atomic<int64_t> failed{0};
  std::atomic<int64_t> retried{0};
  std::atomic<int64_t> dead{0};
  std::atomic<int64_t> reclaimed{0};
  std::atomic<int64_t> total_duration_ms{0};
  std::atomic<int64_t> redis_errors{0};
  std::atomic<int64_t> pg_errors{0};
  JobMetrics metrics;
  double AverageMs() const {
    int64_t n = processed.load() + failed.load();
    return n == 0 ? 0.0 : static_cast<double>(total_duration_ms.load()) / static_cast<double>(n);
  }
};
}  // namespace postwork::core
