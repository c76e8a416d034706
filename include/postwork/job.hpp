#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace postwork {

// The job state machine (docs/architecture.md):
// queued -> running -> completed | retry_scheduled -> queued | failed; cancelled.
enum class JobStatus { kQueued, kRunning, kCompleted, kRetryScheduled, kFailed, kCancelled };

std::string_view ToString(JobStatus status);
std::optional<JobStatus> ParseJobStatus(std::string_view text);
bool IsTerminal(JobStatus status);

// What a queue list carries: the seed's job JSON
// {"id","payload","max_attempts","attempt_count"} plus optional fields.
struct JobEnvelope {
  std::string id;
  std::string queue;
  nlohmann::json payload = nlohmann::json::object();
  int max_attempts = 5;
  int attempt_count = 0;
  std::string tenant_id;
  int64_t enqueued_at_ms = 0;
  // A postwork producer committed the job's PostgreSQL row before pushing it
  // (wire field `recorded`). The worker's writes then never carry the payload
  // back to PostgreSQL: the row already holds it.
  bool recorded = false;

  std::string ToWire() const;
  // The same, with the payload given already serialised (JSON text): what a
  // producer that has serialised the payload once uses.
  std::string ToWireWith(std::string_view payload_json) const;
};

}  // namespace postwork
