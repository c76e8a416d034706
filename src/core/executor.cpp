#include "core/executor.hpp"

#include <algorithm>

#include "app/log.hpp"
#include "core/outcome.hpp"

namespace postwork::core {
namespace {
int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

Executor::Executor(int slots, std::string worker_id, const HandlerRegistry& handlers,
                   Completer& completer, RetryPolicy policy, const Clock& clock,
                   WorkerStats& stats)
    : slots_(slots),
      active_slots_(slots),
      worker_id_(std::move(worker_id)),
      handlers_(handlers),
      completer_(completer),
      policy_(policy),
      clock_(clock),
      stats_(stats),
      slot_started_us_(std::make_unique<std::atomic<int64_t>[]>(static_cast<size_t>(slots))) {}

Executor::~Executor() { Stop(std::chrono::milliseconds(0)); }

void Executor::Start() {
  for (int i = 0; i < slots_; ++i) threads_.emplace_back([this, i] { RunSlot(i); });
}

void Executor::Dispatch(std::vector<std::shared_ptr<HeldJob>> jobs) {
  if (jobs.empty()) return;
  bool wake;
  {
    std::lock_guard lock(mu_);
    for (auto& job : jobs) queue_.push_back(std::move(job));
    wake = WakeOneLocked();
  }
  if (wake) work_cv_.notify_one();
}

bool Executor::WakeOneLocked() {
  // One slot on its way at a time: the slot that takes a job wakes the next
  // while jobs remain, so a batch of short jobs is run by the few slots that
  // are awake rather than by a thread switch per job, and a batch of long jobs
  // still spreads over every slot (one wake-up latency per slot).
  if (queue_.empty() || idle_ == 0 || waking_ > 0) return false;
  ++waking_;
  return true;
}

int Executor::FreeSlotsLocked() const {
  return active_slots_ - busy_ - static_cast<int>(queue_.size());
}

int Executor::Room() {
  std::lock_guard lock(mu_);
  return RoomLocked();
}

void Executor::SetPrefetch(int jobs) {
  bool more;
  {
    std::lock_guard lock(mu_);
    more = jobs > prefetch_;
    prefetch_ = std::max(0, jobs);
  }
  if (more) free_cv_.notify_all();
}

bool Executor::RecentJobsShort(int64_t below_us) const {
  int64_t v = recent_handler_us_.load(std::memory_order_relaxed);
  if (v < 0 || v >= below_us) return false;
  // A job running long now: fetching more behind it would keep them from an
  // idle worker until it ends (the average learns of it only then).
  const int64_t since = NowUs() - below_us;
  for (int i = 0; i < slots_; ++i) {
    int64_t started = slot_started_us_[static_cast<size_t>(i)].load(std::memory_order_relaxed);
    if (started != 0 && started < since) return false;
  }
  return true;
}

void Executor::SetActiveSlots(int n) {
  {
    std::lock_guard lock(mu_);
    active_slots_ = std::clamp(n, 1, slots_);
  }
  free_cv_.notify_all();
}

int Executor::active_slots() {
  std::lock_guard lock(mu_);
  return active_slots_;
}

void Executor::WaitForRoom(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  ++free_waiters_;
  free_cv_.wait_for(lock, timeout, [&] { return stopping_ || RoomLocked() > 0; });
  --free_waiters_;
}

std::vector<std::shared_ptr<HeldJob>> Executor::TakeQueued() {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<HeldJob>> out(queue_.begin(), queue_.end());
  queue_.clear();
  return out;
}

bool Executor::Stop(std::chrono::milliseconds timeout) {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  free_cv_.notify_all();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  {
    std::unique_lock lock(mu_);
    ++free_waiters_;
    free_cv_.wait_until(lock, deadline, [&] { return busy_ == 0; });
    --free_waiters_;
    if (busy_ > 0) {
      for (auto& t : threads_) t.detach();
      threads_.clear();
      return false;
    }
  }
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
  return true;
}

void Executor::RunSlot(int slot) {
  std::atomic<int64_t>& started_us = slot_started_us_[static_cast<size_t>(slot)];
  std::unique_lock lock(mu_);
  while (true) {
    if (queue_.empty() && !stopping_) {
      // One wait per pass (no predicate loop): a slot that was notified but
      // finds the queue already emptied must give up its `waking_` mark, or
      // no later batch would wake anyone.
      ++idle_;
      work_cv_.wait(lock);
      --idle_;
      if (waking_ > 0) --waking_;
      continue;
    }
    if (queue_.empty()) return;  // stopping
    std::shared_ptr<HeldJob> held = std::move(queue_.front());
    queue_.pop_front();
    ++busy_;
    bool wake = WakeOneLocked();
    lock.unlock();
    if (wake) work_cv_.notify_one();
    started_us.store(NowUs(), std::memory_order_relaxed);
    Execute(*held);
    started_us.store(0, std::memory_order_relaxed);
    held.reset();
    lock.lock();
    --busy_;
    // The fetcher (and Stop) wait for a free slot: wake them only when this
    // job's end gives them one, not once per job.
    if (free_waiters_ > 0 && (RoomLocked() > 0 || busy_ == 0)) free_cv_.notify_all();
  }
}

void Executor::Execute(HeldJob& held) {
  const LeasedJob& job = held.job;
  int64_t started = clock_.NowMs();
  held.started_ms = started;
  int64_t deadline = held.lease_deadline_ms;
  if (deadline > 0 && started >= deadline && held.ClaimReport()) {
    // The lease ran out while the job waited for a slot (Redis unreachable, so
    // no renewal): another worker may run it already. Put it back; the write
    // applies only if the lease is still ours.
    log::Warn("lease ran out before the job could start; putting it back",
              {{"worker_id", worker_id_}, {"job_id", job.id}});
    completer_.Submit(DecideRequeue(job, worker_id_, started, started, false,
                                    "lease ran out before the job could start"));
    return;
  }
  held.started = true;
  if (held.reported) return;  // timed out or lost before it could start
  stats_.metrics.Started(job.queue, job.attempt, job.envelope.enqueued_at_ms, started);
  Outcome outcome;
  // The registry is fixed once the worker runs, and each slot is a thread of
  // this executor alone: a slot remembers the last queue it looked up (a batch
  // is mostly one queue; the lookup matches the seed's kinds by substring,
  // about 1,000 instructions).
  thread_local const HandlerRegistry* cached_registry = nullptr;
  thread_local std::string cached_queue;
  thread_local const Handler* cached_handler = nullptr;
  if (cached_registry != &handlers_ || cached_queue != job.queue) {
    cached_handler = handlers_.Find(job.queue);
    cached_registry = &handlers_;
    cached_queue = job.queue;
  }
  if (const Handler* handler = cached_handler) {
    JobContext ctx{.job_id = job.id,
                   .queue = job.queue,
                   .tenant_id = job.envelope.tenant_id,
                   .attempt = job.attempt,
                   .max_attempts = job.envelope.max_attempts,
                   .payload = job.envelope.payload,
                   .cancel = held.cancel,
                   .progress = [&](double fraction, const std::string& note) {
                     log::Debug("progress", {{"worker_id", worker_id_},
                                             {"job_id", job.id},
                                             {"fraction", std::to_string(fraction)},
                                             {"note", note}});
                   }};
    const int64_t t0 = NowUs();
    outcome = RunHandler(*handler, ctx);
    // An approximate average (slots update it without a lock; a lost update
    // only delays it by a job): new = old + (this - old) / 8.
    const int64_t us = NowUs() - t0;
    const int64_t old = recent_handler_us_.load(std::memory_order_relaxed);
    recent_handler_us_.store(old < 0 ? us : old + (us - old) / 8, std::memory_order_relaxed);
  } else {
    outcome = Outcome::Permanent("Unknown queue type: " + job.queue);  // the seed's message
  }
  int64_t now = clock_.NowMs();
  if (!held.ClaimReport()) return;  // a timeout or lost lease already decided
  FinishRecord record = DecideFinish(job, std::move(outcome), worker_id_, started, now, policy_);
  // The job stays held until Redis acknowledges its outcome (thousands of
  // jobs under load), but its payload is read no more: the record has what
  // PostgreSQL needs, and a recorded job's row holds the payload already. An
  // email-sized payload would otherwise stay in memory for every held job.
  // (The running mark copies a recorded job without it: see
  // Completer::WriteRunningMarks. A timeout does not read it once this slot
  // has claimed the report.)
  if (job.envelope.recorded) held.job.envelope.payload = nlohmann::json();
  if (record.kind == FinishRecord::Kind::kCompleted) {
    log::Debug("job completed", {{"worker_id", worker_id_},
                                 {"job_id", job.id},
                                 {"queue", job.queue},
                                 {"duration_ms", std::to_string(now - started)}});
  } else {
    log::Warn("job attempt ended without success",
              {{"worker_id", worker_id_},
               {"job_id", job.id},
               {"queue", job.queue},
               {"attempt", std::to_string(job.attempt)},
               {"outcome", std::string(ToString(record.kind))},
               {"error", record.error}});
  }
  completer_.Submit(std::move(record));
}

}  // namespace postwork::core
