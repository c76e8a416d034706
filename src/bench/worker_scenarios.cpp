// worker-generic, worker-concurrent and latency: a `postwork worker` child
// process drains queue:diagnostic no-op jobs; the window opens once the
// warm-up jobs are acknowledged and closes when the last one is.
#include <chrono>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "bench/probes.hpp"
#include "bench/scenarios.hpp"
#include "bench/worker_process.hpp"
#include "core/clock.hpp"
#include "pg/connection.hpp"
#include "postwork/client.hpp"

namespace postwork::bench {
namespace {
using Clock = std::chrono::steady_clock;
constexpr const char* kQueue = "queue:diagnostic";

int64_t NowMs() { return core::SystemClock::Instance().NowMs(); }

// Waits until the engine has acknowledged `target` jobs. Polls less often the
// further away the target is, so the polling stays a rounding error in the
// Redis figures (and is subtracted from them anyway).
Clock::time_point WaitProcessed(RedisProbe& redis, WorkerProcess& worker, int64_t target,
                                int64_t since_ms, Clock::time_point deadline) {
  auto first_t = Clock::now();
  int64_t first_n = -1;
  while (true) {
    int64_t n = redis.Processed(kQueue, since_ms, NowMs());
    auto now = Clock::now();
    if (n >= target) return now;
    worker.CheckRunning();
    if (now > deadline) {
      throw std::runtime_error("timed out with " + std::to_string(n) + " of " +
                               std::to_string(target) + " jobs acknowledged");
    }
    if (first_n < 0) {
      first_n = n;
      first_t = now;
    }
    double elapsed_ms = std::chrono::duration<double, std::milli>(now - first_t).count();
    double rate = elapsed_ms > 0 && n > first_n ? static_cast<double>(n - first_n) / elapsed_ms : 0;
    double wait_ms = rate > 0 ? static_cast<double>(target - n) / rate / 4 : 5;
    wait_ms = std::clamp(wait_ms, 1.0, 50.0);
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(wait_ms * 1000)));
  }
}

WorkerProcessOptions WorkerFor(const BenchEnv& env, const ScenarioSpec& spec) {
  return {.binary = env.binary,
          .redis_url = env.redis_url,
          .database_url = env.database_url,
          .queue = kQueue,
          .concurrency = spec.concurrency,
          .log_file = env.work_dir / ("worker-" + spec.name + ".log")};
}

struct Window {
  RedisSample redis;
  PgSample pg;
  ProcessUsage worker;
  Clock::time_point at;
};

RunResult Figures(const ScenarioSpec& spec, const Window& a, const Window& b) {
  RunResult out{.scenario = spec.name, .jobs = spec.jobs};
  out.seconds = std::chrono::duration<double>(b.at - a.at).count();
  const double n = static_cast<double>(spec.jobs);
  out.jobs_per_s = n / out.seconds;
  out.peak_rss_mib = b.worker.peak_rss_mib;
  out.process_cpu_ms_per_1k = (b.worker.cpu_s - a.worker.cpu_s) * 1e6 / n;
  FillRedisFigures(a.redis, b.redis, spec.jobs, out);
  FillPgFigures(a.pg, b.pg, spec.jobs, out);
  out.detail["process"] =
      "worker (child process, concurrency " + std::to_string(spec.concurrency) + ")";
  return out;
}
}  // namespace

RunResult RunDrain(const BenchEnv& env, const ScenarioSpec& spec) {
  ResetServers(env);
  {
    Client client(ClientOptions{.redis_url = env.redis_url, .database_url = env.database_url});
    const int64_t total = spec.warmup + spec.jobs;
    for (int64_t done = 0; done < total; done += 1000) {
      std::vector<nlohmann::json> payloads(
          static_cast<size_t>(std::min<int64_t>(1000, total - done)), nlohmann::json::object());
      EnqueueOptions options;
      if (spec.tenants > 0)
        options.tenant_id = "tenant-" + std::to_string(done / 1000 % spec.tenants);
      client.EnqueueMany(kQueue, payloads, options);
    }
  }
  Checkpoint(env);
  RedisProbe redis(env.redis_url);
  PostgresProbe pg(env.database_url, env.postgres_pid);
  const auto deadline = Clock::now() + env.run_timeout;
  const int64_t since = NowMs();
  WorkerProcess worker(WorkerFor(env, spec));
  Window a, b;
  a.at = WaitProcessed(redis, worker, spec.warmup, since, deadline);
  a.worker = worker.Usage();
  a.redis = redis.Take();
  a.pg = pg.Take(true);
  b.at = WaitProcessed(redis, worker, spec.warmup + spec.jobs, since, deadline);
  b.worker = worker.Usage();
  b.redis = redis.Take();
  b.pg = pg.Take(false);
  worker.Stop();
  return Figures(spec, a, b);
}

RunResult RunLatency(const BenchEnv& env, const ScenarioSpec& spec) {
  ResetServers(env);
  RedisProbe redis(env.redis_url);
  PostgresProbe pg(env.database_url, env.postgres_pid);
  const auto deadline = Clock::now() + env.run_timeout;
  const int64_t since = NowMs();
  WorkerProcess worker(WorkerFor(env, spec));
  while (redis.Workers() == 0) {
    worker.CheckRunning();
    if (Clock::now() > deadline) throw std::runtime_error("the worker never reported in");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Producers: single Enqueue calls on a fixed schedule (not back to back), so
  // the offered load is steady. Each call waits for its own fsync'd commit
  // (a few ms on a VM disk), so one thread per 50 jobs/s keeps the schedule.
  const int kProducers = std::clamp(spec.rate / 50, 4, 32);
  const int64_t total = spec.warmup + spec.jobs;
  const auto interval = std::chrono::nanoseconds(1'000'000'000LL / std::max(1, spec.rate));
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kProducers; ++i) {
    clients.push_back(std::make_unique<Client>(
        ClientOptions{.redis_url = env.redis_url, .database_url = env.database_url}));
  }
  std::mutex error_mu;
  std::exception_ptr error;
  const auto start = Clock::now() + std::chrono::milliseconds(20);
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      try {
        for (int64_t i = p; i < total; i += kProducers) {
          std::this_thread::sleep_until(start + interval * i);
          clients[static_cast<size_t>(p)]->Enqueue(kQueue, nlohmann::json::object());
        }
      } catch (...) {
        std::lock_guard lock(error_mu);
        error = std::current_exception();
      }
    });
  }
  Window a, b;
  try {
    a.at = WaitProcessed(redis, worker, spec.warmup, since, deadline);
    a.worker = worker.Usage();
    a.redis = redis.Take();
    a.pg = pg.Take(true);
    b.at = WaitProcessed(redis, worker, total, since, deadline);
    b.worker = worker.Usage();
    b.redis = redis.Take();
    b.pg = pg.Take(false);
  } catch (...) {
    for (auto& t : producers) t.join();
    throw;
  }
  for (auto& t : producers) t.join();
  if (error) std::rethrow_exception(error);
  worker.Stop();
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
  return out;
}

}  // namespace postwork::bench
