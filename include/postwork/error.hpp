#pragma once
// Errors that say what the caller should do next (see abseil's status.h):
// retry the attempt later, give up on the job, or fix the configuration.
#include <cstdint>
#include <stdexcept>
#include <string>

namespace postwork {

// A handler throws this when retrying cannot help (bad payload, unknown queue):
// the job goes straight to the dead-letter queue.
class PermanentError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A handler throws this to run the job again at `run_at_ms` (epoch ms) without
// using an attempt: rate limits, sending windows.
class RescheduleError : public std::runtime_error {
 public:
  RescheduleError(int64_t run_at_ms, const std::string& reason)
      : std::runtime_error(reason), run_at_ms_(run_at_ms) {}
  int64_t run_at_ms() const { return run_at_ms_; }

 private:
  int64_t run_at_ms_;
};

// Invalid configuration or CLI input: one line for the user, exit code 2.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A server (Redis, PostgreSQL) could not be reached or dropped the connection.
// Transient: the caller retries with backoff.
class UnavailableError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace postwork
