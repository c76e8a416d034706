#pragma once
// The engine's Prometheus metrics, recorded where outcomes are decided:
// the executor (a job starts), the completer (an outcome is acknowledged) and
// the maintenance loop (a lease is reclaimed). One per worker process.
#include <cstdint>
#include <functional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/metrics.hpp"
#include "core/types.hpp"

namespace postwork::core {

class JobMetrics {
 public:
  JobMetrics();
  // A handler is about to run. The start latency is recorded for first
  // attempts only (a retry's wait is mostly its backoff), and not when
  // `enqueued_at_ms` is 0 (a foreign producer's job without it).
  void Started(const std::string& queue, int attempt, int64_t enqueued_at_ms, int64_t started_ms);
  // Redis acknowledged this outcome (fenced-off outcomes are not counted).
  void Finished(const FinishRecord& record);
  void Reclaimed(const ReclaimedJob& job);

  metrics::Registry& registry() { return registry_; }
  const metrics::Registry& registry() const { return registry_; }

 private:
  // A queue's children of every family, looked up once per queue: recording
  // a job then takes a shared lock and no allocation (each Family::With takes
  // the family's mutex and builds a label vector).
  struct PerQueue {
    metrics::Counter* processed;
    metrics::Counter* failed;
    metrics::Counter* retried;
    metrics::Counter* dead;
    metrics::Counter* reclaimed;
    metrics::Histogram* duration;
    metrics::Histogram* latency;
  };
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  const PerQueue& For(std::string_view queue);

  metrics::Registry registry_;
  metrics::Family<metrics::Counter>& processed_;
  metrics::Family<metrics::Counter>& failed_;
  metrics::Family<metrics::Counter>& retried_;
  metrics::Family<metrics::Counter>& dead_;
  metrics::Family<metrics::Counter>& reclaimed_;
  metrics::Family<metrics::Histogram>& duration_;
  metrics::Family<metrics::Histogram>& latency_;
  std::shared_mutex queues_mu_;
  std::unordered_map<std::string, PerQueue, NameHash, std::equal_to<>> queues_;
};

}  // namespace postwork::core
