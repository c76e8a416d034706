#pragma once
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace postwork::cli {
// A progress bar on a TTY, plain progress lines (at most one a second) otherwise.
class Progress {
 public:
  Progress(std::string what, size_t total) : what_(std::move(what)), total_(total) {}
  // For work whose size is known only once it starts.
  void Update(size_t done, size_t total) {
    total_ = total;
    Update(done);
  }
  void Update(size_t done) {
    auto now = std::chrono::steady_clock::now();
    bool tty = ::isatty(STDERR_FILENO);
    if (!tty && now - last_ < std::chrono::seconds(1) && done != total_) return;
    last_ = now;
    int pct = total_ == 0 ? 100 : static_cast<int>(done * 100 / total_);
    if (tty) {
      std::string bar(static_cast<size_t>(pct / 4), '#');
      std::fprintf(stderr, "\r%s [%-25s] %3d%% %zu/%zu", what_.c_str(), bar.c_str(), pct, done,
                   total_);
    } else {
      std::fprintf(stderr, "%s: %zu/%zu (%d%%)\n", what_.c_str(), done, total_, pct);
    }
  }
  void Finish() {
    if (::isatty(STDERR_FILENO)) std::fprintf(stderr, "\n");
  }

 private:
  std::string what_;
  size_t total_;
  std::chrono::steady_clock::time_point last_{};
};
}  // namespace postwork::cli
