#pragma once
// A peer system's run of a scenario (BullMQ, through bench/compare.sh): a
// command that measures its own window and prints one JSON line with the
// fields of RunResult. It gets the scenario in the environment:
//   PW_BENCH_SCENARIO  PW_BENCH_JOBS  PW_BENCH_WARMUP  PW_BENCH_BATCH
//   PW_BENCH_CONCURRENCY  PW_BENCH_RATE  PW_BENCH_REDIS_URL
#include <string>

#include "bench/result.hpp"
#include "bench/scenarios.hpp"

namespace postwork::bench {

struct PeerOptions {
  std::string name = "peer";  // "bullmq"
  std::string command;        // run with /bin/sh -c
};

RunResult RunPeer(const BenchEnv& env, const PeerOptions& peer, const ScenarioSpec& spec);

}  // namespace postwork::bench
