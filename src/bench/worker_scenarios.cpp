// worker-generic, worker-concurrent, worker-tenants and latency: a `postwork
// worker` child process drains queue:diagnostic no-op jobs; the window
// (window.hpp) opens once the warm-up jobs are acknowledged and closes when
// the last one is.
#include <algorithm>
#include <chrono>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "bench/window.hpp"
#include "pg/connection.hpp"
#include "postwork/client.hpp"

namespace postwork::bench {
namespace {
constexpr const char* kQueue = "queue:diagnostic";
}  // namespace

RunResult RunDrain(const BenchEnv& env, const ScenarioSpec& spec) {
  ResetServers(env);
  {
    Client client(ClientOptions{.redis_url = env.redis_url, .database_url = env.database_url});
    const int64_t total = spec.warmup + spec.jobs;
    for (int64_t done = 0; done < total; done += 1000) {
      std::vector<nlohmann::json> payloads(
          static_cast<size_t>(std::min<int64_t>(1000, total - done)), BenchPayload(spec));
      EnqueueOptions options;
      if (spec.tenants > 0)
        options.tenant_id = "tenant-" + std::to_string(done / 1000 % spec.tenants);
      client.EnqueueMany(kQueue, payloads, options);
    }
  }
  Checkpoint(env);
  Drain drain(env, spec, kQueue);
  Window a = drain.Reach(spec.warmup, true);
  Window b = drain.Reach(spec.warmup + spec.jobs, false);
  drain.worker.Stop();
  return Figures(spec, a, b);
}

RunResult RunLatency(const BenchEnv& env, const ScenarioSpec& spec) {
  ResetServers(env);
  Drain drain(env, spec, kQueue);
  while (drain.redis.Workers() == 0) {
    drain.worker.CheckRunning();
    if (Clock::now() > drain.deadline) throw std::runtime_error("the worker never reported in");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Producers: single Enqueue calls on a fixed schedule (not back to back), so
  // the offered load is steady. A call (fsync'd commit + push) takes about
  // 1 ms, so 4 producer connections keep a 1,000 jobs/s schedule with room for
  // a 4 ms stall. More of them do not: measured on the 2-core VM, 20 producers
  // overshoot the rate by 12-15% after every stall and their commits queue up
  // behind each other (enqueue call p99 20-40 ms against 4-7 ms with 2-8
  // producers; docs/benchmarks.md). BullMQ's producer is one connection.
  const int kProducers = 4;
  const int64_t total = spec.warmup + spec.jobs;
  const auto interval = std::chrono::nanoseconds(1'000'000'000LL / std::max(1, spec.rate));
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kProducers; ++i) {
    clients.push_back(std::make_unique<Client>(
        ClientOptions{.redis_url = env.redis_url, .database_url = env.database_url}));
  }
  std::mutex error_mu;
  std::exception_ptr error;
  const nlohmann::json payload = BenchPayload(spec);
  // Per job: how long its Enqueue call took (PostgreSQL commit + Redis push)
  // and how late the call began against its slot in the schedule: where the
  // enqueue-to-start time goes when the tail is long.
  std::vector<double> call_ms(static_cast<size_t>(total)), late_ms(static_cast<size_t>(total));
  const auto start = Clock::now() + std::chrono::milliseconds(20);
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      try {
        for (int64_t i = p; i < total; i += kProducers) {
          const auto slot = start + interval * i;
          std::this_thread::sleep_until(slot);
          const auto t0 = Clock::now();
          clients[static_cast<size_t>(p)]->Enqueue(kQueue, payload);
          call_ms[static_cast<size_t>(i)] =
              std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
          late_ms[static_cast<size_t>(i)] =
              std::chrono::duration<double, std::milli>(t0 - slot).count();
        }
      } catch (...) {
        std::lock_guard lock(error_mu);
        error = std::current_exception();
      }
    });
  }
  Window a, b;
  try {
    a = drain.Reach(spec.warmup, true);
    b = drain.Reach(total, false);
  } catch (...) {
    for (auto& t : producers) t.join();
    throw;
  }
  for (auto& t : producers) t.join();
  if (error) std::rethrow_exception(error);
  drain.worker.Stop();
  RunResult out = Figures(spec, a, b);
  // Enqueue-to-start from the record: the attempt's start minus the row's
  // creation, both at millisecond resolution as BullMQ's timestamp and
  // processedOn are. The warm-up jobs (the oldest) are left out.
  pg::Connection conn(env.database_url);
  auto r = conn.Exec(
      "/* pw-bench-probe */ WITH l AS ("
      "  SELECT EXTRACT(EPOCH FROM (e.started_at - date_trunc('milliseconds', j.created_at)))"
      "         * 1000 AS ms"
      "  FROM job_executions e JOIN jobs j ON j.id = e.job_id"
      "  ORDER BY j.created_at OFFSET $1)"
      "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms),"
      "       percentile_cont(0.99) WITHIN GROUP (ORDER BY ms),"
      "       percentile_cont(0.999) WITHIN GROUP (ORDER BY ms), count(*) FROM l",
      {std::to_string(spec.warmup)});
  out.p50_ms = std::stod(r.Get(0, 0));
  out.p99_ms = std::stod(r.Get(0, 1));
  out.p999_ms = std::stod(r.Get(0, 2));
  out.detail["latency_samples"] = r.GetInt(0, 3);
  out.detail["offered_rate"] = spec.rate;
  auto percentiles = [&](std::vector<double> v) {
    v.erase(v.begin(), v.begin() + std::min<int64_t>(spec.warmup, static_cast<int64_t>(v.size())));
    std::sort(v.begin(), v.end());
    auto at = [&](double q) {
      return v.empty() ? 0.0 : v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))];
    };
    return nlohmann::json{{"p50", at(0.5)}, {"p99", at(0.99)}, {"p999", at(0.999)}};
  };
  out.detail["enqueue_call_ms"] = percentiles(call_ms);
  out.detail["producer_late_ms"] = percentiles(late_ms);
  return out;
}

}  // namespace postwork::bench
