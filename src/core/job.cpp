#include "postwork/job.hpp"

#include <array>

#include "postwork/handler.hpp"

namespace postwork {
namespace {
constexpr std::array<std::pair<JobStatus, std::string_view>, 6> kNames{{
    {JobStatus::kQueued, "queued"},
    {JobStatus::kRunning, "running"},
    {JobStatus::kCompleted, "completed"},
    {JobStatus::kRetryScheduled, "retry_scheduled"},
    {JobStatus::kFailed, "failed"},
    {JobStatus::kCancelled, "cancelled"},
}};
}  // namespace

std::string_view ToString(JobStatus status) {
  for (const auto& [s, name] : kNames) {
    if (s == status) return name;
  }
  return "unknown";
}

std::optional<JobStatus> ParseJobStatus(std::string_view text) {
  for (const auto& [s, name] : kNames) {
    if (name == text) return s;
  }
  return std::nullopt;
}

bool IsTerminal(JobStatus status) {
  return status == JobStatus::kCompleted || status == JobStatus::kFailed ||
         status == JobStatus::kCancelled;
}

std::string JobEnvelope::ToWire() const {
  nlohmann::json j = {{"id", id},
                      {"payload", payload},
                      {"max_attempts", max_attempts},
                      {"attempt_count", attempt_count}};
  if (!queue.empty()) j["queue"] = queue;
  if (!tenant_id.empty()) j["tenant_id"] = tenant_id;
  if (enqueued_at_ms > 0) j["enqueued_at"] = enqueued_at_ms;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void CancellationToken::Cancel() {
  {
    std::lock_guard lock(mu_);
    cancelled_.store(true, std::memory_order_release);
  }
  cv_.notify_all();
}

bool CancellationToken::WaitFor(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return cancelled_.load(); });
}

}  // namespace postwork
