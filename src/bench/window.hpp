#pragma once
// The measured window of the scenarios that run a `postwork worker` child
// process: it opens once the warm-up jobs are acknowledged and closes when the
// last one is; the readings at both ends give a RunResult's figures.
#include <chrono>
#include <cstdint>
#include <string>

#include "bench/probes.hpp"
#include "bench/scenarios.hpp"
#include "bench/worker_process.hpp"

namespace postwork::bench {

using Clock = std::chrono::steady_clock;

int64_t NowMs();

struct Window {
  RedisSample redis;
  PgSample pg;
  ProcessUsage worker;
  Clock::time_point at;
};

// A `postwork worker` child draining one queue at the spec's concurrency, and
// the probes reading the servers around it. The probes connect and the clock
// of the acknowledgement counts starts before the worker does.
struct Drain {
  Drain(const BenchEnv& env, const ScenarioSpec& spec, const std::string& queue);

  // Waits until the engine has acknowledged `acknowledged` jobs of the queue,
  // then takes the readings; `opening` starts the window (PostgresProbe::Take).
  // Polls less often the further away the target is, so the polling stays a
  // rounding error in the Redis figures (and is subtracted from them anyway).
  // Throws when the worker exits or the run's time is up.
  Window Reach(int64_t acknowledged, bool opening);

  const std::string queue;
  RedisProbe redis;
  PostgresProbe pg;
  const Clock::time_point deadline;
  const int64_t since_ms;
  WorkerProcess worker;
};

// jobs/s, worker RSS and CPU, Redis and PostgreSQL figures over spec.jobs.
RunResult Figures(const ScenarioSpec& spec, const Window& a, const Window& b);

}  // namespace postwork::bench
