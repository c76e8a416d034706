#pragma once
// What every operator view shows about the queues: `postwork stats`, `top`,
// the dashboard and /metrics read it here, from Redis (ready lists, live
// counters) and PostgreSQL (per-queue scheduled, running and dead counts).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/autoscaler.hpp"
#include "pg/operator_store.hpp"
#include "redis/broker.hpp"

namespace postwork::core {

struct QueueRow {
  std::string queue;
  int64_t ready = 0;      // waiting in the Redis list
  int64_t scheduled = 0;  // waiting for a later run_at (retries, delays)
  int64_t in_flight = 0;  // running
  int64_t dead = 0;       // dead letters
  // _1m: the last 60 seconds; _1h: the last 60 minute buckets (this one included).
  int64_t processed_1m = 0, failed_1m = 0, processed_1h = 0, failed_1h = 0, dead_1h = 0;
  double oldest_ready_age_s = 0;  // 0 when the list is empty
};

struct Overview {
  int64_t now_ms = 0;
  std::vector<QueueRow> queues;
  // Engine-wide, from Redis.
  int64_t ready = 0, scheduled = 0, in_flight = 0, dead = 0;
  int64_t processed_1m = 0, failed_1m = 0, processed_1h = 0, failed_1h = 0;
  std::string postgres_error;  // per-queue scheduled/in-flight/dead are 0 when set
};

// The seed's queues, the diagnostic queue, then `extra` and any queue
// PostgreSQL knows, without duplicates, priority order first.
std::vector<std::string> KnownQueues(const std::vector<std::string>& extra,
                                     const std::vector<pg::QueueCounts>& counts);

// `store` may be null (Redis-only views); PostgreSQL errors are reported in
// the result, Redis errors are thrown (UnavailableError).
Overview ReadOverview(redis::Broker& broker, pg::OperatorStore* store,
                      const std::vector<std::string>& extra_queues, int64_t now_ms);
nlohmann::json ToJson(const Overview& o);

// The seed's "queue depths for scaling" across machines: the ready depth and
// oldest age over `queues`, the live workers, and the replica count the
// [scaling] rules ask for now (no cool-down: the platform's autoscaler, e.g.
// KEDA/HPA, stabilises). Every worker publishes it in /metrics; `stats --json`
// prints it.
struct FleetScaling {
  int64_t depth = 0;
  double oldest_age_s = 0;
  int live_workers = 0;
  int desired_replicas = 0;
};
FleetScaling ComputeFleetScaling(const Overview& o, const std::vector<std::string>& queues,
                                 int live_workers, const ScalingPolicy& policy);
nlohmann::json ToJson(const FleetScaling& f, const ScalingPolicy& policy);

// Processed / failed / retried / dead-lettered per slot, summed over queues
// (or for one queue), from the Redis per-second (15 min) or per-minute (24 h)
// counters.
struct Throughput {
  std::string window;  // "15m" or "24h"
  int64_t start_s = 0;
  int step_s = 1;
  std::vector<int64_t> processed, failed, retried, dead;
};
// `window`: "15m", "24h", or e.g. "60s" for the last N seconds (1..900).
Throughput ReadThroughput(redis::Broker& broker, const std::string& window,
                          const std::string& queue, int64_t now_ms);
nlohmann::json ToJson(const Throughput& t);

}  // namespace postwork::core
