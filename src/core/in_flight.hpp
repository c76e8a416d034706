#pragma once
// The jobs this process holds a lease on, from fetch until Redis acknowledges
// their outcome. Renewal, timeouts and shutdown all work from this table.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <unordered_map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.hpp"
#include "postwork/handler.hpp"

namespace postwork::core {

struct HeldJob {
  LeasedJob job;
  CancellationToken cancel;
  std::atomic<bool> reported{false};  // an outcome was handed to the completer
  std::atomic<bool> started{false};
  // The running mark is written only for jobs that outlive one flush window;
  // short jobs get a single write for their outcome.
  std::atomic<bool> running_recorded{false};
  std::atomic<int64_t> started_ms{0};
  // The lease's end as this process last set it (fetch, then each renewal).
  // Past it another worker may own the job: it must not start here.
  std::atomic<int64_t> lease_deadline_ms{0};
  int64_t timeout_ms = 0;

  // True for exactly one caller: the one whose outcome counts.
  bool ClaimReport() { return !reported.exchange(true); }
};

class InFlight {
 public:
  std::shared_ptr<HeldJob> Add(LeasedJob job, int64_t timeout_ms);
  // A fetched batch under one lock; timeouts_ms[i] belongs to jobs[i].
  std::vector<std::shared_ptr<HeldJob>> AddMany(std::vector<LeasedJob> jobs,
                                                const std::vector<int64_t>& timeouts_ms);
  // Removes the entry only if it is still the lease `token`.
  void Remove(const std::string& id, int64_t token);
  std::shared_ptr<HeldJob> Find(const std::string& id);
  std::vector<std::pair<std::string, int64_t>> Leases();
  std::vector<std::shared_ptr<HeldJob>> All();
  // The held jobs for which `pred` is true (called under the table's lock).
  std::vector<std::shared_ptr<HeldJob>> Select(const std::function<bool(const HeldJob&)>& pred);
  // Removes each (id, token) that is still the current lease, under one lock.
  // The removed jobs are destroyed after the lock is released.
  void RemoveMany(const std::vector<std::pair<std::string_view, int64_t>>& leases);
  size_t size();
  // Wakes whoever waits for the table to empty (shutdown).
  bool WaitEmpty(std::chrono::milliseconds timeout);
  // Waits until fewer than `n` jobs are held.
  bool WaitBelow(size_t n, std::chrono::milliseconds timeout);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  // Looked up by string_view too (the completer's records, no copies).
  struct IdHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::shared_ptr<HeldJob>, IdHash, std::equal_to<>> jobs_;
  int waiters_ = 0;
};

}  // namespace postwork::core
