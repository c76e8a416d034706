#include "bench/worker_process.hpp"

#include <fstream>
#include <stdexcept>

namespace postwork::bench {

WorkerProcess::WorkerProcess(const WorkerProcessOptions& options)
    : options_(options),
      process_(devenv::SpawnOptions{
          .argv = {options.binary, "worker", "--queues", options.queue, "--concurrency",
                   std::to_string(options.concurrency)},
          .log_file = options.log_file.string(),
          .env = {"POSTWORK_REDIS_URL=" + options.redis_url,
                  "POSTWORK_DATABASE_URL=" + options.database_url, "POSTWORK_LOG_LEVEL=warn",
                  "POSTWORK_LOG_FORMAT=text"}}) {}

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
