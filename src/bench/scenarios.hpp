#pragma once
// The scenarios of issue 7, BullMQ's bullmq-bench shapes plus latency:
//   queue-add          jobs enqueued one call each
//   queue-add-bulk     jobs enqueued in bulk calls (PostgreSQL rows included)
//   worker-generic     pre-enqueued no-op jobs drained at concurrency 1
//   worker-concurrent  the same at concurrency 100
//   worker-tenants     worker-concurrent with the jobs spread over 10 tenants
//                      (fair share across tenants: the cost of fairness)
//   latency            jobs enqueued at a steady rate while a worker runs
//   email-send         a campaign's sends (one per generated lead, rotated over
//                      10 mailboxes, no limit or window holding them back) to a
//                      private counting SMTP sink (aiosmtpd) at concurrency 50;
//                      afterwards every lead must be sent once and the sink
//                      must have accepted exactly that many messages
// Every run starts from an empty Redis and empty job tables, warms up on a few
// jobs outside the measured window, and is bounded in time.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bench/result.hpp"

namespace postwork::bench {

struct ScenarioSpec {
  std::string name;
  int64_t jobs = 0;       // measured
  int64_t warmup = 0;     // run before the window opens
  int batch = 1;          // jobs per producer call
  int concurrency = 1;    // worker slots
  int rate = 0;           // jobs/s offered (latency)
  int tenants = 0;        // > 0: jobs carry tenant ids, batch by batch in rotation
  bool peer = true;       // run through --peer too (false: the peer has no such feature)
  int payload_bytes = 0;  // > 0: each job's payload is {"body": "<this many bytes>"}
};

// The payload every job of a scenario carries: {} or {"body": "xx...x"}
// (bench/bullmq builds the same one from PW_BENCH_PAYLOAD_BYTES).
nlohmann::json BenchPayload(const ScenarioSpec& spec);

// The sizes, or small ones for CI (`--quick`).
std::vector<ScenarioSpec> DefaultScenarios(bool quick);
// Scenarios the issue names that this harness does not run yet, with why.
std::vector<std::pair<std::string, std::string>> PendingScenarios();

struct BenchEnv {
  std::string redis_url;
  std::string database_url;
  std::optional<pid_t> postgres_pid;  // for PostgreSQL CPU (private servers)
  std::string binary;                 // postwork, run as the worker child
  std::filesystem::path work_dir;     // worker logs
  std::chrono::seconds run_timeout{600};
};

// Empties Redis and the job tables and checkpoints, so runs start alike.
void ResetServers(const BenchEnv& env);
// Flushes dirty pages now (after a scenario's preparation), not in the window.
void Checkpoint(const BenchEnv& env);
RunResult RunScenario(const BenchEnv& env, const ScenarioSpec& spec);

// Per-scenario runners (producer_scenarios.cpp, worker_scenarios.cpp,
// email_scenario.cpp).
RunResult RunQueueAdd(const BenchEnv& env, const ScenarioSpec& spec);
RunResult RunDrain(const BenchEnv& env, const ScenarioSpec& spec);
RunResult RunLatency(const BenchEnv& env, const ScenarioSpec& spec);
RunResult RunEmailSend(const BenchEnv& env, const ScenarioSpec& spec);  // email_scenario.cpp

}  // namespace postwork::bench
