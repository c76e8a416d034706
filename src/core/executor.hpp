#pragma once
// N job slots (threads). Each runs one job at a time: handler -> Outcome ->
// FinishRecord -> completer.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/completer.hpp"
#include "core/handler_registry.hpp"
#include "core/in_flight.hpp"
#include "core/retry_policy.hpp"
#include "core/worker_stats.hpp"

namespace postwork::core {

class Executor {
 public:
  Executor(int slots, std::string worker_id, const HandlerRegistry& handlers, Completer& completer,
           RetryPolicy policy, const Clock& clock, WorkerStats& stats);
  ~Executor();
  void Start();
  // Queues a fetched batch with one lock and at most one wake-up.
  void Dispatch(std::vector<std::shared_ptr<HeldJob>> jobs);
  // Jobs the fetch loop may add now: the slots neither running nor promised
  // to a queued job, plus the prefetch allowance (SetPrefetch).
  int Room();
  // Jobs that may wait in this worker's queue beyond its free slots. The
  // fetch loop sets it from RecentJobsShort() each time round.
  void SetPrefetch(int jobs);
  // Whether the recent handlers ran shorter than `below_us` on average (an
  // exponential average over about the last 8 jobs) and no handler running now
  // has run that long; false before any job.
  bool RecentJobsShort(int64_t below_us) const;
  // Active slots (1..the thread count given at construction): the in-process
  // autoscaler moves it; running jobs above a lowered limit finish normally.
  void SetActiveSlots(int n);
  int active_slots();
  // Waits up to `timeout` for Room() to become positive.
  void WaitForRoom(std::chrono::milliseconds timeout);
  // Jobs dispatched but not started: handed back for requeue at shutdown.
  std::vector<std::shared_ptr<HeldJob>> TakeQueued();
  // Stops the slot threads once they are idle; returns false if some handler
  // is still running after `timeout` (those threads are left detached).
  bool Stop(std::chrono::milliseconds timeout);

 private:
  void RunSlot(int slot);
  bool WakeOneLocked();  // true: the caller notifies one idle slot
  int FreeSlotsLocked() const;
  int RoomLocked() const { return FreeSlotsLocked() + prefetch_; }
  void Execute(HeldJob& held);

  int slots_;         // threads
  int active_slots_;  // the limit on busy + queued (<= slots_)
  std::string worker_id_;
  const HandlerRegistry& handlers_;
  Completer& completer_;
  RetryPolicy policy_;
  const Clock& clock_;
  WorkerStats& stats_;
  std::mutex mu_;
  std::condition_variable work_cv_, free_cv_;
  std::deque<std::shared_ptr<HeldJob>> queue_;
  int busy_ = 0;
  int free_waiters_ = 0;  // threads in WaitForRoom/Stop
  int prefetch_ = 0;
  std::atomic<int64_t> recent_handler_us_{-1};  // exponential average; -1 = none yet
  int idle_ = 0;          // slots waiting for work
  int waking_ = 0;        // slots notified but not yet awake
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  // When each slot's handler started (steady clock, microseconds); 0 = idle.
  std::unique_ptr<std::atomic<int64_t>[]> slot_started_us_;
};

}  // namespace postwork::core
