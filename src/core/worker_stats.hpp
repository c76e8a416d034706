#pragma once
#include <atomic>
#include <cstdint>

namespace postwork::core {
// Counters for the health record (the seed's getWorkerHealth).
struct WorkerStats {
  std::atomic<int64_t> processed{0};
  std::atomic<int64_t> failed{0};
  std::atomic<int64_t> retried{0};
  std::atomic<int64_t> dead{0};
  std::atomic<int64_t> reclaimed{0};
  std::atomic<int64_t> total_duration_ms{0};
  std::atomic<int64_t> redis_errors{0};
  std::atomic<int64_t> pg_errors{0};
  double AverageMs() const {
    int64_t n = processed.load() + failed.load();
    return n == 0 ? 0.0 : static_cast<double>(total_duration_ms.load()) / static_cast<double>(n);
  }
};
}  // namespace postwork::core
