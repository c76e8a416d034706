#include "core/completer.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "app/log.hpp"
#include "postwork/error.hpp"

namespace postwork::core {
using Kind = FinishRecord::Kind;

Completer::Completer(CompleterOptions options, redis::RedisUrl redis, std::string database_url,
                     InFlight& in_flight, WorkerStats& stats, const Clock& clock)
    : options_(std::move(options)),
      broker_(std::move(redis)),
      store_(std::move(database_url)),
      in_flight_(in_flight),
      stats_(stats),
      clock_(clock),
      redis_outage_("Redis (completer)", options_.worker_id, /*quiet=*/true),
      pg_outage_("PostgreSQL", options_.worker_id) {}

Completer::~Completer() { Stop(); }

void Completer::Start() {
  acker_ = std::thread([this] { AckLoop(); });
  thread_ = std::thread([this] { Run(); });
}

void Completer::Submit(FinishRecord record) {
  bool wake;
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(record));
    // Wake the writer for the first record of a window or a full batch only:
    // one wake-up per job would cost a context switch per job.
    wake = queue_.size() == 1 || queue_.size() >= options_.max_batch;
  }
  if (wake) cv_.notify_one();
}

void Completer::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // The writer has handed over its last batch: acknowledge everything, stop.
  {
    std::lock_guard lock(ack_mu_);
    ack_stopping_ = true;
  }
  ack_cv_.notify_all();
  if (acker_.joinable()) acker_.join();
}

size_t Completer::pending() {
  size_t n;
  {
    std::lock_guard lock(mu_);
    n = queue_.size() + in_progress_;
  }
  std::lock_guard lock(ack_mu_);
  return n + acks_pending_;
}

void Completer::AckLoop() {
  while (true) {
    std::vector<FinishRecord> batch;
    {
      std::unique_lock lock(ack_mu_);
      if (deferred_.empty()) {
        ack_cv_.wait(lock, [&] { return ack_stopping_ || !acks_.empty(); });
        if (acks_.empty()) return;  // stopping, nothing left
      } else {
        // Refused acknowledgements wait for their retry; newer batches (of
        // shards that answer) go ahead meanwhile.
        ack_cv_.wait_until(lock, retry_at_, [&] { return !acks_.empty(); });
        if (std::chrono::steady_clock::now() >= retry_at_) batch = std::exchange(deferred_, {});
      }
      // Everything recorded meanwhile goes in one script call (sized once: a
      // batch of FinishRecords grown by doubling moved each record ten times).
      size_t incoming = batch.size();
      for (auto it = acks_.begin(); it != acks_.end() && incoming < options_.max_batch; ++it) {
        incoming += it->size();
      }
      batch.reserve(incoming);
      while (!acks_.empty() && batch.size() < options_.max_batch) {
        for (auto& r : acks_.front()) batch.push_back(std::move(r));
        acks_.pop_front();
      }
    }
    if (batch.empty()) continue;
    size_t settled = AckRedis(batch);
    std::lock_guard lock(ack_mu_);
    acks_pending_ -= settled;
  }
}

void Completer::Run() {
  while (true) {
    std::vector<FinishRecord> batch;
    {
      std::unique_lock lock(mu_);
      // Wake at least every running_mark_after to record long jobs as running.
      cv_.wait_for(lock, options_.running_mark_after, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      // Give concurrent slots a moment to add theirs: one write for many jobs,
      // and a longer moment when the last write was a large batch.
      if (!queue_.empty() && queue_.size() < options_.max_batch && !stopping_) {
        const auto window = last_batch_ >= options_.busy_batch ? options_.busy_flush_interval
                                                               : options_.flush_interval;
        cv_.wait_for(lock, window,
                     [&] { return stopping_ || queue_.size() >= options_.max_batch; });
      }
      if (queue_.size() <= options_.max_batch) {
        // The whole queue at once; its next fill gets room for as many.
        batch = std::exchange(queue_, {});
        queue_.reserve(batch.size());
      } else {
        const auto end = queue_.begin() + static_cast<std::ptrdiff_t>(options_.max_batch);
        batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(end));
        queue_.erase(queue_.begin(), end);
      }
      in_progress_ = batch.size();
    }
    last_batch_ = batch.size();
    WriteRunningMarks();
    if (!batch.empty()) Flush(batch);
    std::lock_guard lock(mu_);
    in_progress_ = 0;
  }
}

namespace {
// What the running mark reads of a held job: all of it but a recorded job's
// payload (its row holds it), which the job's slot releases, on its own
// thread, once the handler has returned (Executor::Execute).
LeasedJob CopyForRunningMark(const LeasedJob& from) {
  LeasedJob j;
  j.id = from.id;
  j.queue = from.queue;
  j.token = from.token;
  j.raw = from.raw;
  j.malformed_reason = from.malformed_reason;
  j.attempt = from.attempt;
  j.fetched_at_ms = from.fetched_at_ms;
  const JobEnvelope& e = from.envelope;
  j.envelope.id = e.id;
  j.envelope.queue = e.queue;
  j.envelope.max_attempts = e.max_attempts;
  j.envelope.attempt_count = e.attempt_count;
  j.envelope.tenant_id = e.tenant_id;
  j.envelope.enqueued_at_ms = e.enqueued_at_ms;
  j.envelope.recorded = e.recorded;
  if (!e.recorded) j.envelope.payload = e.payload;
  return j;
}
}  // namespace

void Completer::WriteRunningMarks() {
  int64_t cutoff = clock_.NowMs() - options_.running_mark_after.count();
  auto due = in_flight_.Select([cutoff](const HeldJob& h) {
    return !h.reported && !h.running_recorded && h.job.malformed_reason.empty() &&
           h.job.fetched_at_ms <= cutoff;
  });
  if (due.empty()) return;
  std::vector<LeasedJob> jobs;
  jobs.reserve(due.size());
  for (const auto& h : due) jobs.push_back(CopyForRunningMark(h->job));
  try {
    auto accepted = store_.MarkRunning(jobs, options_.worker_id);
    pg_outage_.Succeeded();
    std::set<std::string> ok(accepted.begin(), accepted.end());
    for (auto& h : due) {
      h->running_recorded = true;
      if (!ok.count(h->job.id)) {
        // Finished, cancelled or newer elsewhere: stop this attempt early; its
        // outcome write will be rejected and Redis told what PostgreSQL holds.
        h->cancel.Cancel();
        log::Warn("job is no longer live in PostgreSQL; cancelling this attempt",
                  {{"worker_id", options_.worker_id}, {"job_id", h->job.id}});
      }
    }
  } catch (const UnavailableError& e) {
    ++stats_.pg_errors;
    pg_outage_.Failed(e.what());  // retried at the next wake-up
  } catch (const std::exception& e) {
    ++stats_.pg_errors;
    log::Error("recording running jobs failed",
               {{"worker_id", options_.worker_id}, {"error", e.what()}});
  }
}

void Completer::WritePostgres(std::vector<FinishRecord>& batch) {
  // One row per job per statement: if the same job appears twice (re-fetched
  // under a newer lease within one window), only the newest lease may write.
  std::unordered_map<std::string_view, int64_t> newest;
  newest.reserve(batch.size());
  for (const auto& r : batch) {
    auto [it, added] = newest.try_emplace(r.id, r.token);
    if (!added) it->second = std::max(it->second, r.token);
  }
  std::vector<const FinishRecord*> writable;
  writable.reserve(batch.size());
  for (const auto& r : batch) {
    if (r.kind != Kind::kSkip && newest[r.id] == r.token) writable.push_back(&r);
  }
  const auto applied_ids = store_.ApplyFinishes(writable);
  std::unordered_set<std::string_view> applied(applied_ids.begin(), applied_ids.end());
  std::vector<std::string> rejected;
  for (const auto& r : batch) {
    if (r.kind != Kind::kSkip && !applied.count(r.id)) rejected.push_back(r.id);
  }
  if (rejected.empty()) return;
  // Fenced in PostgreSQL: the job finished elsewhere, was cancelled, or a newer
  // lease ran it. Let Redis mirror what PostgreSQL holds (Redis fences too).
  auto statuses = store_.Statuses(rejected);
  for (auto& r : batch) {
    if (r.kind == Kind::kSkip || (applied.count(r.id) && newest[r.id] == r.token)) continue;
    auto it = statuses.find(r.id);
    std::string status = it == statuses.end() ? "cancelled" : it->second.first;
    if (r.kind == Kind::kCompleted && status == "completed" && it->second.second == r.token) {
      // Completed under this very lease: an earlier try of this batch wrote it
      // (its commit landed, then the batch failed or the reply was lost). Only
      // the lease's holder writes `completed` with its token.
      continue;
    }
    log::Warn("attempt outcome not recorded: the job is no longer ours in PostgreSQL",
              {{"worker_id", options_.worker_id},
               {"job_id", r.id},
               {"outcome", std::string(ToString(r.kind))},
               {"pg_status", status}});
    if (status == "running" || status == "queued" || status == "retry_scheduled") {
      r.kind = Kind::kRequeue;  // only applies in Redis if the lease is still ours
    } else {
      r.kind = Kind::kSkip;
      r.pg_status = status;
    }
  }
}

void Completer::Count(const FinishRecord& r) {
  stats_.metrics.Finished(r);
  switch (r.kind) {
    case Kind::kCompleted:
      ++stats_.processed;
      break;
    case Kind::kRetry:
      ++stats_.failed;
      ++stats_.retried;
      break;
    case Kind::kFailed:
      ++stats_.failed;
      ++stats_.dead;
      break;
    default:
      return;
  }
  stats_.total_duration_ms += std::max<int64_t>(0, r.finished_ms - r.started_ms);
}

void NotifyDeadLetters(const DeadLetterListener& listener, const std::vector<DeadLetter>& dead,
                       const std::string& worker_id) {
  if (!listener || dead.empty()) return;
  try {
    listener(dead);
  } catch (const std::exception& e) {
    log::Error("dead-letter listener failed", {{"worker_id", worker_id}, {"error", e.what()}});
  }
}

void Completer::ReleaseHeld(const std::vector<FinishRecord>& batch) {
  std::vector<std::pair<std::string_view, int64_t>> leases;
  leases.reserve(batch.size());
  for (const auto& r : batch) leases.emplace_back(r.id, r.token);
  in_flight_.RemoveMany(leases);
}

void Completer::Flush(std::vector<FinishRecord>& batch) {
  // 1. PostgreSQL first, until it succeeds (the leases stay renewed meanwhile).
  while (true) {
    try {
      WritePostgres(batch);
      pg_outage_.Succeeded();
      // Failures PostgreSQL took (fenced ones became kSkip / kRequeue).
      std::vector<DeadLetter> dead;
      for (const auto& r : batch) {
        if (r.kind != Kind::kFailed) continue;
        dead.push_back({.id = r.id,
                        .queue = r.queue,
                        .tenant_id = r.tenant_id,
                        .error = r.error,
                        .attempt_count = r.attempt_count,
                        .token = r.token});
      }
      NotifyDeadLetters(options_.on_dead_letter, dead, options_.worker_id);
      break;
    } catch (const UnavailableError& e) {
      ++stats_.pg_errors;
      std::this_thread::sleep_for(pg_outage_.Failed(e.what()));
    } catch (const std::exception& e) {
      // A statement error would repeat forever: log it and let the leases
      // expire so the jobs are reclaimed and recorded by the next attempt.
      ++stats_.pg_errors;
      log::Error("recording job outcomes failed",
                 {{"worker_id", options_.worker_id}, {"error", e.what()}});
      ReleaseHeld(batch);
      return;
    }
  }
  // 2. Then Redis, on the acknowledging thread.
  {
    std::lock_guard lock(ack_mu_);
    acks_pending_ += batch.size();
    acks_.push_back(std::move(batch));
  }
  ack_cv_.notify_one();
}

void Completer::Defer(std::vector<FinishRecord> records, const std::string& error) {
  ++stats_.redis_errors;
  for (auto& r : records) deferred_.push_back(std::move(r));
  retry_at_ = std::chrono::steady_clock::now() + redis_outage_.Failed(error);
}

size_t Completer::AckRedis(std::vector<FinishRecord>& batch) {
  std::vector<FinishRecord> unfinished;
  try {
    auto fenced = broker_.Finish(batch, clock_.NowMs(), options_.terminal_ttl_s, &unfinished);
    std::set<std::string> fenced_ids(fenced.begin(), fenced.end());
    std::set<std::pair<std::string, int64_t>> refused;
    for (const auto& r : unfinished) refused.emplace(r.id, r.token);
    std::vector<FinishRecord> settled;
    settled.reserve(batch.size() - unfinished.size());
    for (auto& r : batch) {
      if (!refused.empty() && refused.count({r.id, r.token})) continue;
      if (fenced_ids.count(r.id)) {
        log::Warn("late outcome rejected: the lease had moved to another worker",
                  {{"worker_id", options_.worker_id}, {"job_id", r.id}});
      } else {
        Count(r);
      }
      settled.push_back(std::move(r));
    }
    ReleaseHeld(settled);
    if (unfinished.empty()) {
      redis_outage_.Succeeded();
    } else {
      // Some shards answered, one did not: its records wait, the others are done.
      Defer(std::move(unfinished),
            "a Redis shard refused " + std::to_string(refused.size()) + " acknowledgements");
    }
    return settled.size();
  } catch (const UnavailableError& e) {
    Defer(std::move(batch), e.what());
    return 0;
  } catch (const std::exception& e) {
    ++stats_.redis_errors;
    log::Error("acknowledging job outcomes in Redis failed",
               {{"worker_id", options_.worker_id}, {"error", e.what()}});
    ReleaseHeld(batch);
    return batch.size();
  }
}

}  // namespace postwork::core
