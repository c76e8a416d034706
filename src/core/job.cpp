#include "postwork/job.hpp"

#include <array>

#include "core/json_parse.hpp"
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
  return ToWireWith(core::DumpJson(payload, nlohmann::json::error_handler_t::replace));
}

// Keys in sorted order, as nlohmann::json (a std::map) would write them.
std::string JobEnvelope::ToWireWith(std::string_view payload_json) const {
  auto quoted = [](const std::string& s) {
    return core::DumpJson(nlohmann::json(s), nlohmann::json::error_handler_t::replace);
  };
  std::string out;
  out.reserve(payload_json.size() + id.size() + queue.size() + tenant_id.size() + 120);
  out += "{\"attempt_count\":";
  out += std::to_string(attempt_count);
  if (enqueued_at_ms > 0) {
    out += ",\"enqueued_at\":";
    out += std::to_string(enqueued_at_ms);
  }
  out += ",\"id\":";
  out += quoted(id);
  out += ",\"max_attempts\":";
  out += std::to_string(max_attempts);
  out += ",\"payload\":";
  out += payload_json;
  if (!queue.empty()) {
    out += ",\"queue\":";
    out += quoted(queue);
  }
  if (recorded) out += ",\"recorded\":true";
  if (!tenant_id.empty()) {
    out += ",\"tenant_id\":";
    out += quoted(tenant_id);
  }
  out += '}';
  return out;
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
