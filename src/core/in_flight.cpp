#include "core/in_flight.hpp"

namespace postwork::core {

std::shared_ptr<HeldJob> InFlight::Add(LeasedJob job, int64_t timeout_ms) {
  auto held = std::make_shared<HeldJob>();
  held->job = std::move(job);
  held->timeout_ms = timeout_ms;
  std::lock_guard lock(mu_);
  jobs_[held->job.id] = held;
  return held;
}

std::vector<std::shared_ptr<HeldJob>> InFlight::AddMany(std::vector<LeasedJob> jobs,
                                                        const std::vector<int64_t>& timeouts_ms) {
  std::vector<std::shared_ptr<HeldJob>> out;
  out.reserve(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) {
    auto held = std::make_shared<HeldJob>();
    held->job = std::move(jobs[i]);
    held->timeout_ms = timeouts_ms[i];
    out.push_back(std::move(held));
  }
  std::lock_guard lock(mu_);
  for (const auto& held : out) jobs_[held->job.id] = held;
  return out;
}

void InFlight::Remove(const std::string& id, int64_t token) {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  if (it != jobs_.end() && it->second->job.token == token) jobs_.erase(it);
  if (waiters_ > 0) cv_.notify_all();
}

void InFlight::RemoveMany(const std::vector<std::pair<std::string_view, int64_t>>& leases) {
  std::vector<std::shared_ptr<HeldJob>> released;
  released.reserve(leases.size());
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, token] : leases) {
      auto it = jobs_.find(id);
      if (it != jobs_.end() && it->second->job.token == token) {
        released.push_back(std::move(it->second));
        jobs_.erase(it);
      }
    }
    if (waiters_ > 0) cv_.notify_all();
  }
  // `released` frees the jobs here, outside the lock the fetcher and the
  // slots take.
}

std::vector<std::shared_ptr<HeldJob>> InFlight::Select(
    const std::function<bool(const HeldJob&)>& pred) {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<HeldJob>> out;
  for (const auto& [id, held] : jobs_) {
    if (pred(*held)) out.push_back(held);
  }
  return out;
}

std::shared_ptr<HeldJob> InFlight::Find(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : it->second;
}

std::vector<std::pair<std::string, int64_t>> InFlight::Leases() {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, int64_t>> out;
  out.reserve(jobs_.size());
  for (const auto& [id, held] : jobs_) out.emplace_back(id, held->job.token);
  return out;
}

std::vector<std::shared_ptr<HeldJob>> InFlight::All() {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<HeldJob>> out;
  out.reserve(jobs_.size());
  for (const auto& [id, held] : jobs_) out.push_back(held);
  return out;
}

size_t InFlight::size() {
  std::lock_guard lock(mu_);
  return jobs_.size();
}

bool InFlight::WaitEmpty(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  ++waiters_;
  bool ok = cv_.wait_for(lock, timeout, [&] { return jobs_.empty(); });
  --waiters_;
  return ok;
}

}  // namespace postwork::core

namespace postwork::core {
bool InFlight::WaitBelow(size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  ++waiters_;
  bool ok = cv_.wait_for(lock, timeout, [&] { return jobs_.size() < n; });
  --waiters_;
  return ok;
}
}  // namespace postwork::core
