#include "core/outage.hpp"

#include <algorithm>

#include "app/log.hpp"

namespace postwork::core {

std::chrono::milliseconds OutageTracker::Failed(const std::string& error) {
  std::lock_guard lock(mu_);
  if (!down_) {
    down_ = true;
    since_ = std::chrono::steady_clock::now();
    log::Write(quiet_ ? log::Level::kDebug : log::Level::kError,
               what_ + " unavailable; retrying with backoff until it is back",
               {{"worker_id", worker_id_}, {"error", error}});
  }
  ++failures_;
  // 50 ms, 100 ms, ... capped at 2 s: quick to resume, gentle while down.
  int64_t ms = std::min<int64_t>(2000, 50LL << std::min(failures_ - 1, 6));
  return std::chrono::milliseconds(ms);
}

void OutageTracker::Succeeded() {
  std::lock_guard lock(mu_);
  if (!down_) return;
  auto secs = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - since_)
                  .count();
  log::Write(quiet_ ? log::Level::kDebug : log::Level::kInfo, what_ + " is back",
             {{"worker_id", worker_id_},
                                 {"outage_ms", std::to_string(secs)},
                                 {"retries", std::to_string(failures_)}});
  down_ = false;
  failures_ = 0;
}

bool OutageTracker::down() const {
  std::lock_guard lock(mu_);
  return down_;
}

}  // namespace postwork::core
