#pragma once
// An in-process worker on its own thread, stopped gracefully on destruction.
#include <memory>
#include <thread>

#include "core/worker.hpp"
#include "test_env.hpp"

namespace postwork::testing {

inline core::WorkerOptions TestWorkerOptions(std::vector<std::string> queues) {
  core::WorkerOptions o;
  o.redis_url = Servers().redis_url;
  o.database_url = Servers().database_url;
  o.queues = std::move(queues);
  o.concurrency = 4;
  o.poll_interval_ms = 20;
  o.reconcile_interval_seconds = 0;
  return o;
}

class RunningWorker {
 public:
  RunningWorker(core::WorkerOptions options, const core::HandlerRegistry& handlers)
      : worker_(std::make_unique<core::Worker>(std::move(options), handlers)) {
    thread_ = std::thread([this] { worker_->Run(); });
  }
  ~RunningWorker() { Stop(); }
  void Stop() {
    worker_->RequestStop();
    if (thread_.joinable()) thread_.join();
  }
  core::Worker& worker() { return *worker_; }

 private:
  std::unique_ptr<core::Worker> worker_;
  std::thread thread_;
};

}  // namespace postwork::testing
