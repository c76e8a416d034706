#pragma once
// Readings taken around a measured window: CPU of the worker, Redis and
// PostgreSQL; Redis commands and round trips; PostgreSQL statements. Every
// command or statement the probes themselves send is left out of the counts.
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "bench/result.hpp"
#include "pg/connection.hpp"
#include "redis/connection.hpp"

namespace postwork::bench {

// CPU seconds (user + system) and peak RSS of one process, from /proc.
struct ProcessUsage {
  double cpu_s = 0;
  double peak_rss_mib = 0;
};
ProcessUsage ReadProcess(pid_t pid);
// A server and its children (PostgreSQL forks a backend per connection): the
// live ones, plus what the root has collected from children that exited.
double ProcessTreeCpu(pid_t root);
// This process (the in-process producer of the queue-add scenarios).
double SelfCpu();

struct RedisSample {
  double cpu_s = 0;
  int64_t commands = 0;       // total_commands_processed (in-script commands included)
  int64_t reads = 0;          // total_reads_processed: one per request batch read
  int64_t own_commands = 0;   // sent by the probe before this INFO
  int64_t own_reads = 0;      // read by Redis from the probe, this INFO included
  std::map<std::string, int64_t> calls;      // commandstats, probe commands removed
};

struct PgSample {
  std::optional<double> cpu_s;          // when the server's process is known
  std::optional<int64_t> statements;    // pg_stat_statements, probe queries excluded
  int64_t transactions = 0;             // pg_stat_database, probe transactions excluded
  nlohmann::json top_statements;        // filled by Take(true) when statements are reset
  std::optional<int64_t> wal_bytes;     // pg_current_wal_lsn() as a byte offset
};

class RedisProbe {
 public:
  explicit RedisProbe(const std::string& url);
  RedisSample Take();
  // Jobs the engine has acknowledged on `queue` since `since_ms` (its per-minute counters).
  int64_t Processed(const std::string& queue, int64_t since_ms, int64_t now_ms);
  int64_t Workers();  // live worker records

 private:
  redis::Connection conn_;
  int64_t own_commands_ = 0, own_reads_ = 0;
  std::map<std::string, int64_t> own_calls_;
};

class PostgresProbe {
 public:
  PostgresProbe(const std::string& url, std::optional<pid_t> postmaster);
  // `reset` starts a window: pg_stat_statements is emptied so the end of the
  // window can name the statements that ran in it.
  PgSample Take(bool start_window);
  bool has_statements() const { return has_statements_; }

 private:
  pg::Connection conn_;
  std::optional<pid_t> postmaster_;
  bool has_statements_ = false;
  bool reset_ok_ = false;
  int64_t own_transactions_ = 0;
};

// The figures per job of `out` from two samples around `jobs` jobs.
void FillRedisFigures(const RedisSample& a, const RedisSample& b, int64_t jobs, RunResult& out);
void FillPgFigures(const PgSample& a, const PgSample& b, int64_t jobs, RunResult& out);

}  // namespace postwork::bench
