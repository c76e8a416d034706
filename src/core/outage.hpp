#pragma once
#include <chrono>
#include <mutex>
#include <string>

namespace postwork::core {

// Logs one line when a dependency goes away and one when it is back, however
// many retries happen in between; hands out the backoff for the next retry.
// A worker has several loops that meet the same outage (fetch, maintenance,
// completer): one tracker announces it, the others are `quiet` (debug level),
// so an outage is one error line per worker.
class OutageTracker {
 public:
  OutageTracker(std::string what, std::string worker_id, bool quiet = false)
      : what_(std::move(what)), worker_id_(std::move(worker_id)), quiet_(quiet) {}
  // Records a failure; returns how long to wait before retrying.
  std::chrono::milliseconds Failed(const std::string& error);
  void Succeeded();
  bool down() const;

 private:
  std::string what_;
  std::string worker_id_;
  bool quiet_;
  mutable std::mutex mu_;
  bool down_ = false;
  int failures_ = 0;
  std::chrono::steady_clock::time_point since_;
};

}  // namespace postwork::core
