#include "bench/worker_process.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace postwork::bench {

namespace {

// POSTWORK_BENCH_WORKER_WRAPPER="heaptrack -o /tmp/hp" (or "perf record -g --", ...)
// runs the worker under a profiler; the figures of such a run are the
// profiler's, not the worker's.
std::vector<std::string> WorkerArgv(const WorkerProcessOptions& options) {
  std::vector<std::string> argv;
  if (const char* wrap = std::getenv("POSTWORK_BENCH_WORKER_WRAPPER")) {
    std::istringstream words(wrap);
    for (std::string w; words >> w;) argv.push_back(w);
  }
  argv.insert(argv.end(), {options.binary, "worker", "--queues", options.queue, "--concurrency",
                           std::to_string(options.concurrency)});
  return argv;
}

}  // namespace

WorkerProcess::WorkerProcess(const WorkerProcessOptions& options)
    : options_(options),
      process_(
          devenv::SpawnOptions{.argv = WorkerArgv(options),
                               .log_file = options.log_file.string(),
                               .env = {"POSTWORK_REDIS_URL=" + options.redis_url,
                                       "POSTWORK_DATABASE_URL=" + options.database_url,
                                       "POSTWORK_LOG_LEVEL=warn", "POSTWORK_LOG_FORMAT=text"}}) {}

WorkerProcess::~WorkerProcess() { Stop(); }

void WorkerProcess::CheckRunning() {
  if (process_.Running()) return;
  std::ifstream in(options_.log_file);
  std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (log.size() > 800) log = log.substr(log.size() - 800);
  throw std::runtime_error("the worker process exited early: " + log);
}

void WorkerProcess::Stop() {
  if (process_.pid() > 0) process_.Stop(std::chrono::seconds(30));
}

}  // namespace postwork::bench
