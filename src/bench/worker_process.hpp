#pragma once
// A `postwork worker` child process: its CPU and peak RSS are its own, as in
// production, and nothing of the harness is counted with them.
#include <filesystem>
#include <string>

#include "bench/probes.hpp"
#include "devenv/process.hpp"

namespace postwork::bench {

struct WorkerProcessOptions {
  std::string binary;  // the postwork executable
  std::string redis_url;
  std::string database_url;
  std::string queue = "queue:diagnostic";
  int concurrency = 1;
  std::filesystem::path log_file;
};

class WorkerProcess {
 public:
  explicit WorkerProcess(const WorkerProcessOptions& options);
  ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  // Throws when the worker exited (its log says why).
  void CheckRunning();
  ProcessUsage Usage() const { return ReadProcess(process_.pid()); }
  // SIGTERM: the worker shuts down gracefully.
  void Stop();

 private:
  WorkerProcessOptions options_;
  devenv::ChildProcess process_;
};

}  // namespace postwork::bench
