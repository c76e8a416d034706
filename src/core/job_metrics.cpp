#include "core/job_metrics.hpp"

#include <algorithm>

namespace postwork::core {
namespace {
// From a 5 ms webhook to a 5 min import (the default job timeout).
const std::vector<double> kDurationBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                              2.5,   5,    10,    30,   60,  120,  300};
// Enqueue-to-start: milliseconds when workers keep up, up to hours of backlog.
const std::vector<double> kLatencyBuckets = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5,  1,    5,
                                             10,    30,    60,   300,  900, 1800, 3600, 14400};
}  // namespace

JobMetrics::JobMetrics()
    : processed_(registry_.AddCounter("postwork_jobs_processed_total",
                                      "Jobs completed successfully, by queue.", {"queue"})),
      failed_(registry_.AddCounter("postwork_jobs_failed_total",
                                   "Job attempts that failed (retried or dead-lettered), by queue.",
                                   {"queue"})),
      retried_(registry_.AddCounter("postwork_jobs_retried_total",
                                    "Failed attempts scheduled for another try, by queue.",
                                    {"queue"})),
      dead_(registry_.AddCounter(
          "postwork_jobs_dead_lettered_total",
          "Jobs moved to the dead letters (out of attempts or a permanent error), by queue.",
          {"queue"})),
      reclaimed_(registry_.AddCounter(
          "postwork_jobs_reclaimed_total",
          "Jobs this process took back from a worker whose lease expired, by queue.", {"queue"})),
      duration_(registry_.AddHistogram("postwork_job_duration_seconds",
                                       "Time a handler ran for one attempt, by queue.", {"queue"},
                                       kDurationBuckets)),
      latency_(
          registry_.AddHistogram("postwork_job_start_latency_seconds",
                                 "Time from enqueue to the handler's start (queue wait), by queue.",
                                 {"queue"}, kLatencyBuckets)) {}

void JobMetrics::Started(const std::string& queue, int attempt, int64_t enqueued_at_ms,
                         int64_t started_ms) {
  if (attempt != 1 || enqueued_at_ms <= 0) return;
  // Clocks of producers and workers differ a little: never a negative wait.
  latency_.With({queue}).Observe(
      static_cast<double>(std::max<int64_t>(0, started_ms - enqueued_at_ms)) / 1000.0);
}

void JobMetrics::Finished(const FinishRecord& r) {
  using Kind = FinishRecord::Kind;
  switch (r.kind) {
    case Kind::kCompleted:
      processed_.With({r.queue}).Inc();
      break;
    case Kind::kRetry:
      failed_.With({r.queue}).Inc();
      retried_.With({r.queue}).Inc();
      break;
    case Kind::kFailed:
      failed_.With({r.queue}).Inc();
      dead_.With({r.queue}).Inc();
      break;
    case Kind::kReschedule:
      break;  // the handler ran and asked for later: no attempt used, but timed
    default:
      return;  // no handler ran to an end: requeue, cancel, skip
  }
  if (r.started_ms > 0 && r.finished_ms >= r.started_ms) {
    duration_.With({r.queue}).Observe(static_cast<double>(r.finished_ms - r.started_ms) / 1000.0);
  }
}

void JobMetrics::Reclaimed(const ReclaimedJob& job) {
  reclaimed_.With({job.queue}).Inc();
  if (job.dead) dead_.With({job.queue}).Inc();
}

}  // namespace postwork::core
