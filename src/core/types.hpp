#pragma once
// Values that cross the engine's seams (core <-> redis, core <-> pg).
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "postwork/job.hpp"

namespace postwork::core {

// A job this worker holds a lease on.
// Completer::WriteRunningMarks copies one field by field (CopyForRunningMark):
// a field added here belongs there too.
struct LeasedJob {
  std::string id;
  std::string queue;
  int64_t token = 0;             // fencing token of this lease
  std::string raw;               // the queue entry as pushed
  std::string malformed_reason;  // non-empty: dead-letter without running
  JobEnvelope envelope;
  int attempt = 1;  // this attempt's number (1-based)
  int64_t fetched_at_ms = 0;
};

struct FetchResult {
  std::vector<LeasedJob> jobs;
  int64_t next_scheduled_ms = -1;
  // Work may remain on the queues fetched from: fetch again before waiting.
  // False when the fetch found them empty after taking its batch, so the
  // worker can wait for a wake-up instead of running an empty fetch.
  bool more = true;
};

// What the engine writes when an attempt ends (or a lease is let go).
struct FinishRecord {
  enum class Kind { kCompleted, kRetry, kReschedule, kFailed, kRequeue, kCancelled, kSkip };
  Kind kind = Kind::kCompleted;
  std::string id;
  std::string queue;
  int64_t token = 0;
  std::string worker_id;
  int attempt = 1;        // the attempt that ended
  int attempt_count = 0;  // attempts used after this outcome
  nlohmann::json result;  // kCompleted
  std::string error;      // kRetry, kFailed; reason for kReschedule
  int64_t run_at_ms = 0;  // kRetry, kReschedule
  int64_t started_ms = 0;
  int64_t finished_ms = 0;
  std::string execution_status;  // job_executions.status; "" = no execution row
  std::string pg_status;         // kSkip: the status PostgreSQL already holds
  // For a job PostgreSQL has no row for yet (a foreign producer's), or whose
  // running mark was never written: the outcome write creates/completes it.
  nlohmann::json payload;
  int max_attempts = 5;
  std::string tenant_id;
};

// A job taken back from a worker whose lease expired.
struct ReclaimedJob {
  std::string id;
  std::string queue;
  std::string old_worker_id;
  int64_t old_token = 0;
  int attempt_count = 0;  // after counting the lost attempt
  bool dead = false;      // out of attempts: dead-lettered
};

// A job the engine has just dead-lettered (recorded as failed in PostgreSQL).
struct DeadLetter {
  std::string id;
  std::string queue;
  std::string tenant_id;  // "" when the engine does not know it (reclaimed jobs)
  std::string error;
  int attempt_count = 0;
  int64_t token = 0;  // the lease that ended: a job dead-lettered again after a retry has another
};
// Told about dead letters after PostgreSQL has them, on the engine's thread:
// it must be quick and must not throw (exceptions are logged and dropped).
using DeadLetterListener = std::function<void(const std::vector<DeadLetter>&)>;

// A job to create (producer side).
struct NewJob {
  std::string id;
  std::string queue;
  nlohmann::json payload;
  std::string payload_json;  // payload already serialised (the client's); wins over `payload`
  int max_attempts = 5;
  int64_t run_at_ms = 0;  // 0 = now
  std::string tenant_id;
  std::string idempotency_key;
  bool generated_id = false;  // the client made the id up: it cannot conflict
};

std::string_view ToString(FinishRecord::Kind kind);

}  // namespace postwork::core
