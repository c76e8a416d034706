#pragma once
// What one run of one scenario measured, the median over several runs, and
// the same record read back from a peer system's script (bench/bullmq/).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace postwork::bench {

// A figure a run may not have (latency outside `latency`, the RSS of an
// in-process producer, PostgreSQL figures of a system without PostgreSQL):
// prints as "-" and travels as JSON null.
using Figure = std::optional<double>;

struct RunResult {
  std::string scenario;
  std::string system = "postwork";
  int64_t jobs = 0;  // jobs inside the measured window (warm-up excluded)
  double seconds = 0;
  Figure jobs_per_s;
  Figure p50_ms, p99_ms, p999_ms;  // enqueue-to-start, `latency` only
  Figure peak_rss_mib;             // the worker process
  Figure process_cpu_ms_per_1k;    // the worker, or the producer in queue-add*
  Figure redis_cpu_ms_per_1k;
  Figure pg_cpu_ms_per_1k;
  Figure redis_commands_per_job;  // every command, those inside scripts too
  Figure redis_calls_per_job;     // round trips: socket reads Redis served
  Figure pg_statements_per_job;   // pg_stat_statements calls (else transactions)
  nlohmann::json detail = nlohmann::json::object();  // per-command / per-statement breakdown
};

// Worker (or producer) + Redis + PostgreSQL; nullopt when the process figure is missing.
Figure TotalCpuPer1k(const RunResult& r);

nlohmann::json ToJson(const RunResult& r);
RunResult FromJson(const nlohmann::json& j);
// Field by field median; `detail` comes from the run whose jobs/s is the median.
RunResult Median(const std::vector<RunResult>& runs);

}  // namespace postwork::bench
