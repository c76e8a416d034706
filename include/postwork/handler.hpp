#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace postwork {

// Set by the engine when a job must stop (timeout, lease lost, shutdown).
// Handlers poll cancelled() or wait on it instead of sleeping blindly.
class CancellationToken {
 public:
  void Cancel();
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }
  // Waits up to `timeout`; returns true when cancelled.
  bool WaitFor(std::chrono::milliseconds timeout) const;

 private:
  std::atomic<bool> cancelled_{false};
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
};

struct JobContext {
  const std::string& job_id;
  const std::string& queue;
  const std::string& tenant_id;
  int attempt;  // 1 for the first run
  int max_attempts;
  const nlohmann::json& payload;
  const CancellationToken& cancel;
  std::function<void(double fraction, const std::string& note)> progress;
};

// The outcome of one attempt, decided in one place (the executor).
struct Outcome {
  enum class Kind { kCompleted, kRetry, kPermanentFailure, kReschedule };
  Kind kind = Kind::kCompleted;
  nlohmann::json result;             // kCompleted
  std::string error;                 // kRetry, kPermanentFailure, kReschedule (reason)
  int64_t run_at_ms = 0;             // kReschedule; for kRetry 0 = use the backoff policy
  static Outcome Completed(nlohmann::json result) {
    return {.kind = Kind::kCompleted, .result = std::move(result)};
  }
  static Outcome Retry(std::string error, int64_t run_at_ms = 0) {
    return {.kind = Kind::kRetry, .error = std::move(error), .run_at_ms = run_at_ms};
  }
  static Outcome Permanent(std::string error) {
    return {.kind = Kind::kPermanentFailure, .error = std::move(error)};
  }
  static Outcome RescheduleAt(int64_t run_at_ms, std::string reason) {
    return {.kind = Kind::kReschedule, .error = std::move(reason), .run_at_ms = run_at_ms};
  }
};

// A handler returns an Outcome, or throws: PermanentError -> dead letter,
// RescheduleError -> reschedule, anything else -> retry with backoff.
using Handler = std::function<Outcome(JobContext&)>;

}  // namespace postwork
