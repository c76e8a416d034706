#include "core/completer.hpp"

#include <set>

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
      redis_outage_("Redis", options_.worker_id),
      pg_outage_("PostgreSQL", options_.worker_id) {}

Completer::~Completer() { Stop(); }

void Completer::Start() { thread_ = std::thread([this] { Run(); }); }

void Completer::Submit(FinishRecord record) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(record));
  }
  cv_.notify_one();
}

void Completer::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

size_t Completer::pending() {
  std::lock_guard lock(mu_);
  return queue_.size() + in_progress_;
}

void Completer::Run() {
  while (true) {
    std::vector<FinishRecord> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      // Give concurrent slots a moment to add theirs: one write for many jobs.
      if (queue_.size() < options_.max_batch && !stopping_) {
        cv_.wait_for(lock, options_.flush_interval,
                     [&] { return stopping_ || queue_.size() >= options_.max_batch; });
      }
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      in_progress_ = batch.size();
    }
    Flush(batch);
    std::lock_guard lock(mu_);
    in_progress_ = 0;
  }
}

void Completer::WritePostgres(std::vector<FinishRecord>& batch) {
  auto applied_ids = store_.ApplyFinishes(batch);
  std::set<std::string> applied(applied_ids.begin(), applied_ids.end());
  std::vector<std::string> rejected;
  for (const auto& r : batch) {
    if (r.kind != Kind::kSkip && !applied.count(r.id)) rejected.push_back(r.id);
  }
  if (rejected.empty()) return;
  // Fenced in PostgreSQL: the job finished elsewhere, was cancelled, or a newer
  // lease ran it. Let Redis mirror what PostgreSQL holds (Redis fences too).
  auto statuses = store_.Statuses(rejected);
  for (auto& r : batch) {
    if (r.kind == Kind::kSkip || applied.count(r.id)) continue;
    auto it = statuses.find(r.id);
    std::string status = it == statuses.end() ? "cancelled" : it->second.first;
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

void Completer::Flush(std::vector<FinishRecord>& batch) {
  // 1. PostgreSQL first, until it succeeds (the leases stay renewed meanwhile).
  while (true) {
    try {
      WritePostgres(batch);
      pg_outage_.Succeeded();
      break;
    } catch (const UnavailableError& e) {
      ++stats_.pg_errors;
      std::this_thread::sleep_for(pg_outage_.Failed(e.what()));
    } catch (const std::exception& e) {
      // A statement error would repeat forever: log it and let the leases
      // expire so the jobs are reclaimed and recorded by the next attempt.
      ++stats_.pg_errors;
      log::Error("recording job outcomes failed", {{"worker_id", options_.worker_id},
                                                   {"error", e.what()}});
      for (const auto& r : batch) in_flight_.Remove(r.id, r.token);
      return;
    }
  }
  // 2. Then Redis.
  while (true) {
    try {
      auto fenced = broker_.Finish(batch, clock_.NowMs(), options_.terminal_ttl_s);
      redis_outage_.Succeeded();
      std::set<std::string> fenced_ids(fenced.begin(), fenced.end());
      for (const auto& r : batch) {
        if (fenced_ids.count(r.id)) {
          log::Warn("late outcome rejected: the lease had moved to another worker",
                    {{"worker_id", options_.worker_id}, {"job_id", r.id}});
        } else {
          Count(r);
        }
        in_flight_.Remove(r.id, r.token);
      }
      return;
    } catch (const UnavailableError& e) {
      ++stats_.redis_errors;
      std::this_thread::sleep_for(redis_outage_.Failed(e.what()));
    } catch (const std::exception& e) {
      ++stats_.redis_errors;
      log::Error("acknowledging job outcomes in Redis failed",
                 {{"worker_id", options_.worker_id}, {"error", e.what()}});
      for (const auto& r : batch) in_flight_.Remove(r.id, r.token);
      return;
    }
  }
}

}  // namespace postwork::core
