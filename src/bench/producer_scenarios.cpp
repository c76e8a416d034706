// queue-add and queue-add-bulk: the producer API (Client) in this process,
// timed around the calls; its CPU is this process's.
#include <chrono>

#include "bench/probes.hpp"
#include "bench/scenarios.hpp"
#include "postwork/client.hpp"

namespace postwork::bench {
namespace {
constexpr const char* kQueue = "queue:diagnostic";

void Produce(Client& client, int64_t count, int batch, const nlohmann::json& payload) {
  if (batch <= 1) {
    for (int64_t i = 0; i < count; ++i) client.Enqueue(kQueue, payload);
    return;
  }
  for (int64_t done = 0; done < count;) {
    int64_t n = std::min<int64_t>(batch, count - done);
    std::vector<nlohmann::json> payloads(static_cast<size_t>(n), payload);
    client.EnqueueMany(kQueue, payloads, {}, static_cast<size_t>(batch));
    done += n;
  }
}
}  // namespace

RunResult RunQueueAdd(const BenchEnv& env, const ScenarioSpec& spec) {
  ResetServers(env);
  // Pipelined pushes: each call returns once its jobs are committed in
  // PostgreSQL, and Redis takes them while the next call writes PostgreSQL.
  // The clock stops only when every job is in Redis as well (Flush).
  Client client(ClientOptions{
      .redis_url = env.redis_url, .database_url = env.database_url, .pipelined_push = true});
  RedisProbe redis(env.redis_url);
  PostgresProbe pg(env.database_url, env.postgres_pid);
  Produce(client, spec.warmup, spec.batch, BenchPayload(spec));
  client.Flush();

  auto r0 = redis.Take();
  auto p0 = pg.Take(true);
  double cpu0 = SelfCpu();
  auto t0 = std::chrono::steady_clock::now();
  Produce(client, spec.jobs, spec.batch, BenchPayload(spec));
  client.Flush();
  auto t1 = std::chrono::steady_clock::now();
  double cpu1 = SelfCpu();
  auto r1 = redis.Take();
  auto p1 = pg.Take(false);

  RunResult out{.scenario = spec.name, .jobs = spec.jobs};
  out.seconds = std::chrono::duration<double>(t1 - t0).count();
  out.jobs_per_s = static_cast<double>(spec.jobs) / out.seconds;
  out.process_cpu_ms_per_1k = (cpu1 - cpu0) * 1e6 / static_cast<double>(spec.jobs);
  FillRedisFigures(r0, r1, spec.jobs, out);
  FillPgFigures(p0, p1, spec.jobs, out);
  out.detail["process"] = "producer (in the bench process)";
  return out;
}

}  // namespace postwork::bench
