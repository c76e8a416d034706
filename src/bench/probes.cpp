#include "bench/probes.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "redis/keys.hpp"

namespace postwork::bench {
namespace fs = std::filesystem;
namespace {
// The queries of the probes carry this tag so pg_stat_statements counts can
// leave them out.
constexpr const char* kTag = "/* pw-bench-probe */ ";

struct ProcStat {
  pid_t ppid = 0;
  int64_t utime = 0, stime = 0, cutime = 0, cstime = 0;  // clock ticks
};

std::optional<ProcStat> ReadStat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto paren = all.rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream rest(all.substr(paren + 2));
  std::vector<std::string> f;
  for (std::string tok; rest >> tok;) f.push_back(tok);
  // Fields after "(comm)": state=3, ppid=4, ..., utime=14, stime=15, cutime=16, cstime=17.
  if (f.size() < 15) return std::nullopt;
  return ProcStat{.ppid = static_cast<pid_t>(std::stol(f[1])),
                  .utime = std::stoll(f[11]),
                  .stime = std::stoll(f[12]),
                  .cutime = std::stoll(f[13]),
                  .cstime = std::stoll(f[14])};
}

double Ticks(int64_t ticks) {
  static const double hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return static_cast<double>(ticks) / hz;
}

std::map<std::string, std::string> ParseInfo(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto colon = line.find(':');
    if (line.empty() || line[0] == '#' || colon == std::string::npos) continue;
    out[line.substr(0, colon)] = line.substr(colon + 1);
  }
  return out;
}
}  // namespace

ProcessUsage ReadProcess(pid_t pid) {
  ProcessUsage u;
  if (auto s = ReadStat(pid)) u.cpu_s = Ticks(s->utime + s->stime);
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) u.peak_rss_mib = std::stod(line.substr(6)) / 1024.0;
  }
  return u;
}

double ProcessTreeCpu(pid_t root) {
  int64_t ticks = 0;
  if (auto s = ReadStat(root)) ticks += s->utime + s->stime + s->cutime + s->cstime;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    auto s = ReadStat(static_cast<pid_t>(std::stol(name)));
    if (s && s->ppid == root) ticks += s->utime + s->stime;
  }
  return Ticks(ticks);
}

double SelfCpu() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

RedisProbe::RedisProbe(const std::string& url) : conn_(redis::ParseRedisUrl(url)) {}

RedisSample RedisProbe::Take() {
  RedisSample s{.own_commands = own_commands_, .own_reads = own_reads_ + 1};
  // The INFO is counted by Redis after it ran: it shows in the next sample.
  ++own_commands_;
  ++own_reads_;
  ++own_calls_["info"];
  auto info = ParseInfo(conn_.Command({"INFO", "cpu", "stats", "commandstats"}).AsString());
  s.cpu_s = std::stod(info["used_cpu_sys"]) + std::stod(info["used_cpu_user"]);
  s.commands = std::stoll(info["total_commands_processed"]);
  s.reads = std::stoll(info["total_reads_processed"]);
  for (const auto& [key, value] : info) {
    if (key.rfind("cmdstat_", 0) != 0) continue;
    auto calls_at = value.find("calls=");
    if (calls_at == std::string::npos) continue;
    std::string name = key.substr(8);
    s.calls[name] = std::stoll(value.substr(calls_at + 6));
  }
  for (const auto& [name, n] : own_calls_) {
    // This INFO is not in its own commandstats yet.
    s.calls[name] -= name == "info" ? n - 1 : n;
  }
  return s;
}

int64_t RedisProbe::Processed(const std::string& queue, int64_t since_ms, int64_t now_ms) {
  std::vector<std::vector<std::string>> gets;
  for (int64_t m = since_ms / 60000 - 1; m <= now_ms / 60000 + 1; ++m) {
    gets.push_back({"HGET", redis::keys::StatsMinute(m), "processed:" + queue});
  }
  own_commands_ += static_cast<int64_t>(gets.size());
  own_calls_["hget"] += static_cast<int64_t>(gets.size());
  ++own_reads_;
  int64_t total = 0;
  for (const auto& v : conn_.Pipeline(gets)) total += v.AsInt();
  return total;
}

int64_t RedisProbe::Workers() {
  ++own_commands_;
  ++own_reads_;
  ++own_calls_["zcard"];
  return conn_.Command({"ZCARD", std::string(redis::keys::kWorkers)}).AsInt();
}

PostgresProbe::PostgresProbe(const std::string& url, std::optional<pid_t> postmaster)
    : conn_(url), postmaster_(postmaster) {
  try {
    conn_.Exec(std::string(kTag) + "SELECT count(*) FROM pg_stat_statements");
    has_statements_ = true;
  } catch (const std::exception&) {
    has_statements_ = false;  // not preloaded here: fall back to transactions
  }
}

PgSample PostgresProbe::Take(bool start_window) {
  PgSample s;
  int64_t sent = 0;  // this call's own transactions (autocommit: one per statement)
  auto exec = [&](const std::string& sql) {
    ++sent;
    return conn_.Exec(std::string(kTag) + sql);
  };
  if (postmaster_) s.cpu_s = ProcessTreeCpu(*postmaster_);
  if (has_statements_ && start_window) {
    try {
      exec("SELECT pg_stat_statements_reset()");
      reset_ok_ = true;
    } catch (const std::exception&) {
      reset_ok_ = false;  // not allowed: diff the totals instead
    }
  }
  if (has_statements_) {
    auto r = exec(
        "SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements "
        "WHERE query NOT LIKE '%pw-bench-probe%'");
    s.statements = r.GetInt(0, 0);
    if (!start_window && reset_ok_) {
      auto top = exec(
          "SELECT calls, total_exec_time, "
          "left(regexp_replace(query, '\\s+', ' ', 'g'), 90) "
          "FROM pg_stat_statements WHERE query NOT LIKE '%pw-bench-probe%' "
          "ORDER BY calls DESC LIMIT 12");
      s.top_statements = nlohmann::json::array();
      for (int i = 0; i < top.rows(); ++i) {
        s.top_statements.push_back({{"calls", top.GetInt(i, 0)},
                                    {"exec_ms", std::stod(top.Get(i, 1))},
                                    {"query", top.Get(i, 2)}});
      }
    }
  }
  try {
    s.wal_bytes = exec("SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint").GetInt(0, 0);
  } catch (const std::exception&) {
    // not allowed for this role: left out of the report
  }
  auto r =
      exec("SELECT coalesce(sum(xact_commit + xact_rollback), 0)::bigint FROM pg_stat_database");
  s.transactions = r.GetInt(0, 0) - own_transactions_;
  own_transactions_ += sent;
  return s;
}

void FillRedisFigures(const RedisSample& a, const RedisSample& b, int64_t jobs, RunResult& out) {
  if (jobs <= 0) return;
  const double n = static_cast<double>(jobs);
  out.redis_cpu_ms_per_1k = (b.cpu_s - a.cpu_s) * 1e6 / n;
  out.redis_commands_per_job =
      static_cast<double>((b.commands - a.commands) - (b.own_commands - a.own_commands)) / n;
  out.redis_calls_per_job =
      static_cast<double>((b.reads - a.reads) - (b.own_reads - a.own_reads)) / n;
  nlohmann::json per_command = nlohmann::json::object();
  std::vector<std::pair<int64_t, std::string>> ranked;
  for (const auto& [name, calls] : b.calls) {
    auto it = a.calls.find(name);
    int64_t d = calls - (it == a.calls.end() ? 0 : it->second);
    if (d > 0) ranked.push_back({d, name});
  }
  std::sort(ranked.rbegin(), ranked.rend());
  for (size_t i = 0; i < ranked.size() && i < 12; ++i) {
    per_command[ranked[i].second] = static_cast<double>(ranked[i].first) / n;
  }
  out.detail["redis_commands_per_job"] = per_command;
}

void FillPgFigures(const PgSample& a, const PgSample& b, int64_t jobs, RunResult& out) {
  if (jobs <= 0) return;
  const double n = static_cast<double>(jobs);
  if (a.cpu_s && b.cpu_s) out.pg_cpu_ms_per_1k = (*b.cpu_s - *a.cpu_s) * 1e6 / n;
  if (a.statements && b.statements) {
    out.pg_statements_per_job = static_cast<double>(*b.statements - *a.statements) / n;
  } else {
    // Transactions, a lower bound on statements; PostgreSQL reports them
    // up to a second late, so short windows undercount.
    out.pg_statements_per_job = static_cast<double>(b.transactions - a.transactions) / n;
    out.detail["pg_statements_source"] = "pg_stat_database transactions";
  }
  if (a.wal_bytes && b.wal_bytes) {
    // Write-ahead log written per job (the probe's own queries write none).
    out.detail["pg_wal_bytes_per_job"] = static_cast<double>(*b.wal_bytes - *a.wal_bytes) / n;
  }
  if (b.top_statements.is_array()) {
    nlohmann::json top = nlohmann::json::array();
    for (const auto& t : b.top_statements) {
      // exec_ms_per_job: time inside the statement, waits for row locks included.
      top.push_back({{"per_job", t["calls"].get<double>() / n},
                     {"exec_ms_per_job", t["exec_ms"].get<double>() / n},
                     {"query", t["query"]}});
    }
    out.detail["pg_statements"] = top;
  }
}

}  // namespace postwork::bench
