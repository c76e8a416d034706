#include "bench/peer.hpp"

#include <fstream>
#include <stdexcept>

#include "devenv/process.hpp"

namespace postwork::bench {

RunResult RunPeer(const BenchEnv& env, const PeerOptions& peer, const ScenarioSpec& spec) {
  ResetServers(env);
  auto log = env.work_dir / (peer.name + "-" + spec.name + ".log");
  std::filesystem::remove(log);
  devenv::ChildProcess child(devenv::SpawnOptions{
      .argv = {"/bin/sh", "-c", peer.command},
      .log_file = log.string(),
      .env = {"PW_BENCH_SCENARIO=" + spec.name, "PW_BENCH_JOBS=" + std::to_string(spec.jobs),
              "PW_BENCH_WARMUP=" + std::to_string(spec.warmup),
              "PW_BENCH_BATCH=" + std::to_string(spec.batch),
              "PW_BENCH_CONCURRENCY=" + std::to_string(spec.concurrency),
              "PW_BENCH_RATE=" + std::to_string(spec.rate),
              "PW_BENCH_PAYLOAD_BYTES=" + std::to_string(spec.payload_bytes),
              "PW_BENCH_REDIS_URL=" + env.redis_url}});
  auto status = child.Wait(env.run_timeout);
  if (!status) {
    child.Stop(std::chrono::seconds(5));
    throw std::runtime_error(peer.name + " " + spec.name + " timed out; see " + log.string());
  }
  std::ifstream in(log);
  std::string line, last_json;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '{') last_json = line;
  }
  if (*status != 0 || last_json.empty()) {
    throw std::runtime_error(peer.name + " " + spec.name + " failed (exit " +
                             std::to_string(*status) + "); see " + log.string());
  }
  RunResult r = FromJson(nlohmann::json::parse(last_json));
  r.scenario = spec.name;
  r.system = peer.name;
  return r;
}

}  // namespace postwork::bench
