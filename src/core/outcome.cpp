#include "core/outcome.hpp"

#include "postwork/error.hpp"

namespace postwork::core {
namespace {
// The payload the outcome write may need to create the row with: none for a
// job whose row a postwork producer wrote before the push.
nlohmann::json PayloadForPg(const LeasedJob& job) {
  return job.envelope.recorded ? nlohmann::json() : job.envelope.payload;
}
}  // namespace

FinishRecord DecideFinish(const LeasedJob& job, Outcome outcome, const std::string& worker_id,
                          int64_t started_ms, int64_t now_ms, const RetryPolicy& policy,
                          bool timed_out) {
  using Kind = FinishRecord::Kind;
  FinishRecord f{.id = job.id,
                 .queue = job.queue,
                 .token = job.token,
                 .worker_id = worker_id,
                 .attempt = job.attempt,
                 .attempt_count = job.attempt,
                 .started_ms = started_ms,
                 .finished_ms = now_ms,
                 .payload = PayloadForPg(job),
                 .max_attempts = job.envelope.max_attempts,
                 .tenant_id = job.envelope.tenant_id};
  switch (outcome.kind) {
    case Outcome::Kind::kCompleted:
      f.kind = Kind::kCompleted;
      f.result = outcome.result.is_null() ? nlohmann::json::object() : std::move(outcome.result);
      f.execution_status = "success";
      break;
    case Outcome::Kind::kRetry:
      f.error = outcome.error;
      f.execution_status = timed_out ? "timeout" : "failed";
      if (job.attempt < job.envelope.max_attempts) {
        f.kind = Kind::kRetry;
        f.run_at_ms =
            outcome.run_at_ms > now_ms ? outcome.run_at_ms : now_ms + policy.DelayMs(job.attempt);
      } else {
        f.kind = Kind::kFailed;
        f.error = outcome.error + " (gave up after " + std::to_string(job.attempt) + " attempts)";
      }
      break;
    case Outcome::Kind::kPermanentFailure:
      f.kind = Kind::kFailed;
      f.error = outcome.error;
      f.execution_status = "failed";
      break;
    case Outcome::Kind::kReschedule:
      f.kind = Kind::kReschedule;
      f.error = outcome.error;
      f.run_at_ms = std::max(outcome.run_at_ms, now_ms);
      f.attempt_count = job.attempt - 1;  // a reschedule uses no attempt
      f.execution_status = "rescheduled";
      break;
  }
  return f;
}

FinishRecord DecideRequeue(const LeasedJob& job, const std::string& worker_id, int64_t started_ms,
                           int64_t now_ms, bool started, std::string reason) {
  return {.kind = FinishRecord::Kind::kRequeue,
          .id = job.id,
          .queue = job.queue,
          .token = job.token,
          .worker_id = worker_id,
          .attempt = job.attempt,
          .attempt_count = job.attempt - 1,
          .error = std::move(reason),
          .started_ms = started_ms,
          .finished_ms = now_ms,
          .execution_status = started ? "interrupted" : "",
          .payload = PayloadForPg(job),
          .max_attempts = job.envelope.max_attempts,
          .tenant_id = job.envelope.tenant_id};
}

Outcome RunHandler(const Handler& handler, JobContext& ctx) {
  try {
    return handler(ctx);
  } catch (const PermanentError& e) {
    return Outcome::Permanent(e.what());
  } catch (const RescheduleError& e) {
    return Outcome::RescheduleAt(e.run_at_ms(), e.what());
  } catch (const std::exception& e) {
    return Outcome::Retry(e.what());
  } catch (...) {
    return Outcome::Retry("handler threw a non-standard exception");
  }
}

}  // namespace postwork::core
