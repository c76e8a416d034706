#include "cli/signals.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>

namespace postwork::cli {
namespace {
std::atomic<bool> g_done{false};
}

SignalWatcher::SignalWatcher(std::function<void(int)> on_first) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR2);  // used only to wake the watcher at exit
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  thread_ = std::thread([set, on_first = std::move(on_first)] {
    int count = 0;
    while (true) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (sig == SIGUSR2 && g_done) return;
      if (sig == SIGUSR2) continue;
      if (++count == 1) {
        on_first(sig);
      } else {
        // Second signal: leave now; leases bring the unfinished jobs back.
        static const char kMsg[] = "postwork: second signal, exiting immediately\n";
        ssize_t ignored = ::write(STDERR_FILENO, kMsg, sizeof(kMsg) - 1);
        (void)ignored;
        ::_exit(130);
      }
    }
  });
}

SignalWatcher::~SignalWatcher() {
  g_done = true;
  ::kill(::getpid(), SIGUSR2);
  if (thread_.joinable()) thread_.join();
  g_done = false;
}

}  // namespace postwork::cli
