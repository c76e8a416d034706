#include "bench/report.hpp"

#include <chrono>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <thread>

namespace postwork::bench {
namespace {
std::string Fmt(const Figure& v, int precision) {
  if (!v) return "-";
  std::ostringstream s;
  s << std::fixed << std::setprecision(precision) << *v;
  return s.str();
}

std::string Latency(const RunResult& r) {
  if (!r.p50_ms) return "-";
  return Fmt(r.p50_ms, 1) + "/" + Fmt(r.p99_ms, 1) + "/" + Fmt(r.p999_ms, 1);
}

void PrintResults(std::ostream& out, const std::string& title, const std::vector<RunResult>& rs) {
  out << title << "\n";
  out << std::left << std::setw(19) << "scenario" << std::right << std::setw(8) << "jobs"
      << std::setw(10) << "jobs/s" << std::setw(17) << "p50/p99/p99.9ms" << std::setw(9)
      << "RSS MiB" << std::setw(9) << "CPU/1k:" << std::setw(7) << "proc" << std::setw(7) << "redis"
      << std::setw(7) << "pg" << std::setw(7) << "total" << std::setw(11) << "redis cmd"
      << std::setw(10) << "redis rt" << std::setw(9) << "pg stmt"
      << "\n";
  for (const auto& r : rs) {
    out << std::left << std::setw(19) << r.scenario << std::right << std::setw(8) << r.jobs
        << std::setw(10) << Fmt(r.jobs_per_s, 0) << std::setw(17) << Latency(r) << std::setw(9)
        << Fmt(r.peak_rss_mib, 1) << std::setw(9) << "ms" << std::setw(7)
        << Fmt(r.process_cpu_ms_per_1k, 1) << std::setw(7) << Fmt(r.redis_cpu_ms_per_1k, 1)
        << std::setw(7) << Fmt(r.pg_cpu_ms_per_1k, 1) << std::setw(7) << Fmt(TotalCpuPer1k(r), 1)
        << std::setw(11) << Fmt(r.redis_commands_per_job, 3) << std::setw(10)
        << Fmt(r.redis_calls_per_job, 3) << std::setw(9) << Fmt(r.pg_statements_per_job, 3) << "\n";
  }
}

const RunResult* Find(const std::vector<RunResult>& rs, const std::string& scenario) {
  for (const auto& r : rs) {
    if (r.scenario == scenario) return &r;
  }
  return nullptr;
}

struct Ratio {
  std::string what;
  Figure value;
  std::string target;
  bool met = false;
};

Figure Divide(const Figure& a, const Figure& b) {
  if (!a || !b || *b == 0) return std::nullopt;
  return *a / *b;
}

std::vector<Ratio> Ratios(const Report& report) {
  std::vector<Ratio> out;
  auto pair = [&](const std::string& s) {
    return std::make_pair(Find(report.postwork, s), Find(report.peer, s));
  };
  if (auto [pw, peer] = pair("worker-concurrent"); pw && peer) {
    auto v = Divide(pw->jobs_per_s, peer->jobs_per_s);
    out.push_back({"worker-concurrent jobs/s", v, ">= 3", v && *v >= 3});
    v = Divide(pw->peak_rss_mib, peer->peak_rss_mib);
    out.push_back({"worker peak RSS (concurrency 100)", v, "<= 0.167", v && *v <= 1.0 / 6});
    v = Divide(TotalCpuPer1k(*pw), TotalCpuPer1k(*peer));
    out.push_back({"CPU per 1,000 jobs, all processes", v, "<= 0.333", v && *v <= 1.0 / 3});
  }
  if (auto [pw, peer] = pair("queue-add-bulk"); pw && peer) {
    auto v = Divide(pw->jobs_per_s, peer->jobs_per_s);
    out.push_back({"queue-add-bulk jobs/s", v, ">= 3", v && *v >= 3});
  }
  if (auto [pw, peer] = pair("latency"); pw && peer) {
    auto v = Divide(pw->p99_ms, peer->p99_ms);
    out.push_back({"latency p99 (and <= 2 ms)", v, "< 1", v && *v < 1 && *pw->p99_ms <= 2});
  }
  return out;
}

std::vector<Ratio> Absolutes(const Report& report) {
  std::vector<Ratio> out;
  if (const RunResult* pw = Find(report.postwork, "worker-concurrent")) {
    auto v = pw->redis_calls_per_job;
    out.push_back({"Redis round trips per job (worker-concurrent)", v, "<= 0.05", v && *v <= 0.05});
    v = pw->pg_statements_per_job;
    out.push_back(
        {"PostgreSQL statements per job (worker-concurrent)", v, "<= 0.02", v && *v <= 0.02});
  }
  if (const RunResult* fair = Find(report.postwork, "worker-tenants")) {
    if (const RunResult* plain = Find(report.postwork, "worker-concurrent")) {
      auto ratio = Divide(fair->jobs_per_s, plain->jobs_per_s);
      Figure cost = ratio ? Figure(1.0 - *ratio) : std::nullopt;
      out.push_back({"tenant fairness cost (1 - tenants / concurrent jobs/s)", cost, "< 0.10",
                     cost && *cost < 0.10});
    }
  }
  if (const RunResult* pw = Find(report.postwork, "latency")) {
    auto v = pw->p99_ms;
    out.push_back({"latency p99 ms at 1,000 jobs/s", v, "<= 2", v && *v <= 2});
  }
  return out;
}

void PrintTargets(std::ostream& out, const std::string& title, const std::vector<Ratio>& rs) {
  if (rs.empty()) return;
  out << "\n" << title << "\n";
  for (const auto& r : rs) {
    out << "  " << std::left << std::setw(52) << r.what << std::right << std::setw(9)
        << Fmt(r.value, 3) << "   target " << std::left << std::setw(9) << r.target
        << (r.met ? "met" : "NOT MET") << "\n";
  }
}

nlohmann::json TargetsJson(const std::vector<Ratio>& rs) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& r : rs) {
    j.push_back({{"what", r.what},
                 {"value", r.value ? nlohmann::json(*r.value) : nlohmann::json(nullptr)},
                 {"target", r.target},
                 {"met", r.met}});
  }
  return j;
}
}  // namespace

Machine DescribeMachine() {
  Machine m;
  m.cores = std::thread::hardware_concurrency();
  std::ifstream cpu("/proc/cpuinfo");
  for (std::string line; std::getline(cpu, line);) {
    if (line.rfind("model name", 0) == 0) {
      m.cpu_model = line.substr(line.find(':') + 2);
      break;
    }
  }
  std::ifstream mem("/proc/meminfo");
  for (std::string line; std::getline(mem, line);) {
    if (line.rfind("MemTotal:", 0) == 0) m.ram_gib = std::stod(line.substr(9)) / 1024.0 / 1024.0;
  }
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  std::ostringstream d;
  d << std::put_time(&tm, "%Y-%m-%d %H:%M UTC");
  m.date_utc = d.str();
  return m;
}

void PrintTable(std::ostream& out, const Report& report) {
  const Machine& m = report.machine;
  std::ostringstream ram;
  ram << std::fixed << std::setprecision(1) << m.ram_gib;
  out << "postwork bench, " << m.date_utc << ": " << m.cores << " cores (" << m.cpu_model << "), "
      << ram.str() << " GiB RAM; median of " << report.runs << " run(s)";
  if (report.payload_bytes > 0) out << "; payloads of " << report.payload_bytes << " bytes";
  out << "\n"
      << "CPU in ms per 1,000 jobs (proc = worker process, or the producer for queue-add*); "
         "per job: Redis commands (in-script included), Redis round trips, PostgreSQL "
         "statements\n\n";
  PrintResults(out, "postwork", report.postwork);
  if (!report.peer.empty()) {
    out << "\n";
    PrintResults(out, report.peer.front().system, report.peer);
    PrintTargets(out,
                 "postwork / " + report.peer.front().system + " (same Redis, alternating runs)",
                 Ratios(report));
  }
  PrintTargets(out, "postwork absolute targets", Absolutes(report));
  for (const auto& [name, why] : report.pending) {
    out << "\n" << name << ": not run (" << why << ")";
  }
  if (!report.pending.empty()) out << "\n";
}

nlohmann::json ReportJson(const Report& report) {
  const Machine& m = report.machine;
  nlohmann::json j = {
      {"date", m.date_utc},
      {"machine", {{"cores", m.cores}, {"cpu", m.cpu_model}, {"ram_gib", m.ram_gib}}},
      {"runs", report.runs},
      {"payload_bytes", report.payload_bytes}};
  auto all = [](const std::vector<RunResult>& medians,
                const std::vector<std::vector<RunResult>>& runs) {
    nlohmann::json out = nlohmann::json::object();
    for (size_t i = 0; i < medians.size(); ++i) {
      nlohmann::json s = ToJson(medians[i]);
      s["runs"] = nlohmann::json::array();
      if (i < runs.size()) {
        for (const auto& r : runs[i]) s["runs"].push_back(ToJson(r));
      }
      out[medians[i].scenario] = s;
    }
    return out;
  };
  j["postwork"] = all(report.postwork, report.postwork_runs);
  if (!report.peer.empty()) {
    j["peer"] = all(report.peer, report.peer_runs);
    j["ratios"] = TargetsJson(Ratios(report));
  }
  j["absolute_targets"] = TargetsJson(Absolutes(report));
  nlohmann::json pending = nlohmann::json::object();
  for (const auto& [name, why] : report.pending) pending[name] = why;
  j["not_run"] = pending;
  return j;
}

}  // namespace postwork::bench
