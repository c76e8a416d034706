#pragma once
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace postwork::devenv {

struct SpawnOptions {
  std::vector<std::string> argv;
  std::string log_file;              // stdout+stderr appended here ("" = inherit)
  std::optional<uid_t> uid;          // drop to this user (postgres refuses root)
  std::optional<gid_t> gid;
  std::vector<std::string> env;      // extra NAME=VALUE entries
  bool new_process_group = true;     // Ctrl-C in a terminal reaches only us
  // Signal the child gets if the spawning thread dies first (a crashed test,
  // a killed `postwork services`), so no server outlives its owner. 0 = none.
  int parent_death_signal = 9;
};

// A child process, stopped by PID when this object goes away.
class ChildProcess {
 public:
  ChildProcess() = default;
  explicit ChildProcess(const SpawnOptions& options);
  ~ChildProcess();
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;

  pid_t pid() const { return pid_; }
  bool Running();
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status (or -signal).
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(10), int signal = 15);
  void Signal(int signal);
  // Waits for the process to end by itself; nullopt on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  // Forgets the process without stopping it.
  pid_t Release();

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// A free TCP port on 127.0.0.1 (bind to port 0 and read it back).
int FreePort();
// True once something accepts TCP connections on 127.0.0.1:port.
bool PortOpen(int port);
// Polls `ready` every 10 ms until it is true or `timeout` passes.
bool WaitUntil(const std::function<bool()>& ready, std::chrono::milliseconds timeout);

}  // namespace postwork::devenv
