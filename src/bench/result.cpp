#include "bench/result.hpp"

#include <algorithm>

namespace postwork::bench {
namespace {
struct FigureField {
  const char* name;
  Figure RunResult::*member;
};
constexpr FigureField kFigures[] = {
    {"jobs_per_s", &RunResult::jobs_per_s},
    {"p50_ms", &RunResult::p50_ms},
    {"p99_ms", &RunResult::p99_ms},
    {"p999_ms", &RunResult::p999_ms},
    {"peak_rss_mib", &RunResult::peak_rss_mib},
    {"process_cpu_ms_per_1k", &RunResult::process_cpu_ms_per_1k},
    {"redis_cpu_ms_per_1k", &RunResult::redis_cpu_ms_per_1k},
    {"pg_cpu_ms_per_1k", &RunResult::pg_cpu_ms_per_1k},
    {"redis_commands_per_job", &RunResult::redis_commands_per_job},
    {"redis_calls_per_job", &RunResult::redis_calls_per_job},
    {"pg_statements_per_job", &RunResult::pg_statements_per_job},
};

double MedianOf(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}
}  // namespace

Figure TotalCpuPer1k(const RunResult& r) {
  if (!r.process_cpu_ms_per_1k) return std::nullopt;
  return *r.process_cpu_ms_per_1k + r.redis_cpu_ms_per_1k.value_or(0) +
         r.pg_cpu_ms_per_1k.value_or(0);
}

nlohmann::json ToJson(const RunResult& r) {
  nlohmann::json j = {{"scenario", r.scenario},
                      {"system", r.system},
                      {"jobs", r.jobs},
                      {"seconds", r.seconds}};
  for (const auto& f : kFigures) {
    const Figure& v = r.*f.member;
    j[f.name] = v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  }
  Figure total = TotalCpuPer1k(r);
  j["total_cpu_ms_per_1k"] = total ? nlohmann::json(*total) : nlohmann::json(nullptr);
  if (!r.detail.empty()) j["detail"] = r.detail;
  return j;
}

RunResult FromJson(const nlohmann::json& j) {
  RunResult r;
  r.scenario = j.value("scenario", "");
  r.system = j.value("system", "peer");
  r.jobs = j.value("jobs", int64_t{0});
  r.seconds = j.value("seconds", 0.0);
  for (const auto& f : kFigures) {
    if (j.contains(f.name) && j[f.name].is_number()) r.*f.member = j[f.name].get<double>();
  }
  if (j.contains("detail") && j["detail"].is_object()) r.detail = j["detail"];
  return r;
}

RunResult Median(const std::vector<RunResult>& runs) {
  if (runs.empty()) return {};
  RunResult out = runs.front();
  std::vector<double> jobs, seconds;
  for (const auto& r : runs) {
    jobs.push_back(static_cast<double>(r.jobs));
    seconds.push_back(r.seconds);
  }
  out.jobs = static_cast<int64_t>(MedianOf(jobs));
  out.seconds = MedianOf(seconds);
  for (const auto& f : kFigures) {
    std::vector<double> values;
    for (const auto& r : runs) {
      if (const Figure& v = r.*f.member) values.push_back(*v);
    }
    out.*f.member = values.empty() ? Figure{} : Figure{MedianOf(values)};
  }
  // The breakdown is not averaged: show the run closest to the median rate.
  if (out.jobs_per_s) {
    auto closest = std::min_element(runs.begin(), runs.end(), [&](const auto& a, const auto& b) {
      return std::abs(a.jobs_per_s.value_or(0) - *out.jobs_per_s) <
             std::abs(b.jobs_per_s.value_or(0) - *out.jobs_per_s);
    });
    out.detail = closest->detail;
  }
  return out;
}

}  // namespace postwork::bench
