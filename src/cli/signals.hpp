#pragma once
#include <functional>
#include <thread>

namespace postwork::cli {
// Blocks SIGINT/SIGTERM in every thread created afterwards and handles them on
// a dedicated thread: the first calls `on_first`, a second exits at once.
class SignalWatcher {
 public:
  explicit SignalWatcher(std::function<void(int)> on_first);
  ~SignalWatcher();

 private:
  std::thread thread_;
};
}  // namespace postwork::cli
