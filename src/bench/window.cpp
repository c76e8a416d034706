#include "bench/window.hpp"

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "core/clock.hpp"

namespace postwork::bench {

namespace {
Clock::time_point WaitProcessed(RedisProbe& redis, WorkerProcess& worker, const std::string& queue,
                                int64_t target, int64_t since_ms, Clock::time_point deadline) {
  auto first_t = Clock::now();
  int64_t first_n = -1;
  while (true) {
    int64_t n = redis.Processed(queue, since_ms, NowMs());
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

WorkerProcessOptions WorkerFor(const BenchEnv& env, const ScenarioSpec& spec,
                               const std::string& queue) {
  return {.binary = env.binary,
          .redis_url = env.redis_url,
          .database_url = env.database_url,
          .queue = queue,
          .concurrency = spec.concurrency,
          .log_file = env.work_dir / ("worker-" + spec.name + ".log")};
}

}  // namespace

int64_t NowMs() { return core::SystemClock::Instance().NowMs(); }

Drain::Drain(const BenchEnv& env, const ScenarioSpec& spec, const std::string& queue_name)
    : queue(queue_name),
      redis(env.redis_url),
      pg(env.database_url, env.postgres_pid),
      deadline(Clock::now() + env.run_timeout),
      since_ms(NowMs()),
      worker(WorkerFor(env, spec, queue_name)) {}

Window Drain::Reach(int64_t acknowledged, bool opening) {
  Window w{.at = WaitProcessed(redis, worker, queue, acknowledged, since_ms, deadline)};
  w.worker = worker.Usage();
  w.redis = redis.Take();
  w.pg = pg.Take(opening);
  return w;
}

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

}  // namespace postwork::bench
