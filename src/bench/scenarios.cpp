#include "bench/scenarios.hpp"

#include <stdexcept>

#include "pg/connection.hpp"
#include "redis/connection.hpp"

namespace postwork::bench {

std::vector<ScenarioSpec> DefaultScenarios(bool quick) {
  if (quick) {
    return {{.name = "queue-add", .jobs = 500, .warmup = 50},
            {.name = "queue-add-bulk", .jobs = 5000, .warmup = 1000, .batch = 1000},
            {.name = "worker-generic", .jobs = 500, .warmup = 50, .concurrency = 1},
            {.name = "worker-concurrent", .jobs = 5000, .warmup = 500, .concurrency = 100},
            {.name = "worker-tenants",
             .jobs = 5000,
             .warmup = 500,
             .concurrency = 100,
             .tenants = 10,
             .peer = false},
            {.name = "latency", .jobs = 500, .warmup = 50, .concurrency = 100, .rate = 1000},
            {.name = "email-send", .jobs = 200, .warmup = 20, .concurrency = 50, .peer = false}};
  }
  return {{.name = "queue-add", .jobs = 20000, .warmup = 200},
          {.name = "queue-add-bulk", .jobs = 100000, .warmup = 1000, .batch = 1000},
          {.name = "worker-generic", .jobs = 20000, .warmup = 200, .concurrency = 1},
          {.name = "worker-concurrent", .jobs = 100000, .warmup = 1000, .concurrency = 100},
          {.name = "worker-tenants",
           .jobs = 100000,
           .warmup = 1000,
           .concurrency = 100,
           .tenants = 10,
           .peer = false},
          {.name = "latency", .jobs = 5000, .warmup = 100, .concurrency = 100, .rate = 1000},
          {.name = "email-send", .jobs = 10000, .warmup = 100, .concurrency = 50, .peer = false}};
}

std::vector<std::pair<std::string, std::string>> PendingScenarios() { return {}; }

void ResetServers(const BenchEnv& env) {
  redis::Connection(redis::ParseRedisUrl(env.redis_url)).Command({"FLUSHALL"});
  pg::Connection(env.database_url)
      .Exec("/* pw-bench-probe */ TRUNCATE jobs, job_attempts RESTART IDENTITY CASCADE");
  Checkpoint(env);
}

nlohmann::json BenchPayload(const ScenarioSpec& spec) {
  if (spec.payload_bytes <= 0) return nlohmann::json::object();
  return {{"body", std::string(static_cast<size_t>(spec.payload_bytes), 'x')}};
}

void Checkpoint(const BenchEnv& env) {
  try {
    pg::Connection(env.database_url).Exec("/* pw-bench-probe */ CHECKPOINT");
  } catch (const std::exception&) {
    // Not a superuser on someone else's server: runs are a little noisier.
  }
}

RunResult RunScenario(const BenchEnv& env, const ScenarioSpec& spec) {
  if (spec.name == "queue-add" || spec.name == "queue-add-bulk") return RunQueueAdd(env, spec);
  if (spec.name == "worker-generic" || spec.name == "worker-concurrent" ||
      spec.name == "worker-tenants") {
    return RunDrain(env, spec);
  }
  if (spec.name == "latency") return RunLatency(env, spec);
  if (spec.name == "email-send") return RunEmailSend(env, spec);
  throw std::invalid_argument("unknown scenario " + spec.name);
}

}  // namespace postwork::bench
