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

const JobMetrics::PerQueue& JobMetrics::For(std::string_view queue) {
  {
    std::shared_lock lock(queues_mu_);
    if (auto it = queues_.find(queue); it != queues_.end()) return it->second;
  }
  std::unique_lock lock(queues_mu_);
  if (auto it = queues_.find(queue); it != queues_.end()) return it->second;
  const metrics::LabelValues labels = {std::string(queue)};
  // Elements of an unordered_map keep their address when it grows.
  return queues_
      .emplace(std::string(queue), PerQueue{.processed = &processed_.With(labels),
                                            .failed = &failed_.With(labels),
                                            .retried = &retried_.With(labels),
                                            .dead = &dead_.With(labels),
                                            .reclaimed = &reclaimed_.With(labels),
                                            .duration = &duration_.With(labels),
                                            .latency = &latency_.With(labels)})
      .first->second;
}

void JobMetrics::Started(const std::string& queue, int attempt, int64_t enqueued_at_ms,
                         int64_t started_ms) {
  if (attempt != 1 || enqueued_at_ms <= 0) return;
  // Clocks of producers and workers differ a little: never a negative wait.
  For(queue).latency->Observe(
      static_cast<double>(std::max<int64_t>(0, started_ms - enqueued_at_ms)) / 1000.0);
}

void JobMetrics::Finished(const FinishRecord& r) {
  using Kind = FinishRecord::Kind;
  if (r.kind != Kind::kCompleted && r.kind != Kind::kRetry && r.kind != Kind::kFailed &&
      r.kind != Kind::kReschedule) {
    return;  // no handler ran to an end: requeue, cancel, skip
  }
  const PerQueue& q = For(r.queue);
  switch (r.kind) {
    case Kind::kCompleted:
      q.processed->Inc();
      break;
    case Kind::kRetry:
      q.failed->Inc();
      q.retried->Inc();
      break;
    case Kind::kFailed:
      q.failed->Inc();
      q.dead->Inc();
      break;
    default:
      break;  // a reschedule: the handler ran and asked for later, no attempt used, but timed
  }
  if (r.started_ms > 0 && r.finished_ms >= r.started_ms) {
    q.duration->Observe(static_cast<double>(r.finished_ms - r.started_ms) / 1000.0);
  }
}

void JobMetrics::Reclaimed(const ReclaimedJob& job) {
  const PerQueue& q = For(job.queue);
  q.reclaimed->Inc();
  if (job.dead) q.dead->Inc();
}

}  // namespace postwork::core
