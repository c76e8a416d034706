#pragma once
#include <string>

#include "core/retry_policy.hpp"
#include "core/types.hpp"
#include "postwork/handler.hpp"

namespace postwork::core {

// Turns a handler's Outcome into what gets written: the one place that
// decides completed / retry after D / reschedule at T / dead-letter.
// The outcome is taken by value: its result moves into the record.
FinishRecord DecideFinish(const LeasedJob& job, Outcome outcome,
                          const std::string& worker_id, int64_t started_ms, int64_t now_ms,
                          const RetryPolicy& policy, bool timed_out = false);

// A job let go without an outcome of its own (shutdown, or a lease that ran
// out before the job could start): back to the head of its queue, no attempt
// used; "interrupted" in the history only if it had started.
FinishRecord DecideRequeue(const LeasedJob& job, const std::string& worker_id, int64_t started_ms,
                           int64_t now_ms, bool started, std::string reason);

// Runs the handler, mapping exceptions to outcomes (PermanentError -> dead
// letter, RescheduleError -> reschedule, anything else -> retry).
Outcome RunHandler(const Handler& handler, JobContext& ctx);

}  // namespace postwork::core
