#include "http/dependency_probe.hpp"

#include "redis/shard_map.hpp"

namespace postwork::http {

DependencyProbe::DependencyProbe(std::string redis_url, std::string database_url)
    : redis_(redis::ParseRedisUrl(redis_url), std::chrono::milliseconds(1000)),
      // Short, like the Redis side: a cut-off PostgreSQL must turn /ready 503
      // within a scrape, not hang the probe (and every /ready after it).
      postgres_(std::move(database_url), {.connect_seconds = 2, .unacknowledged_ms = 1500}) {
  redis::ShardMap map(redis_.url());
  for (size_t i = 1; i < map.size(); ++i) {
    shards_.push_back(
        std::make_unique<redis::Connection>(map.url(i), std::chrono::milliseconds(1000)));
  }
}

ProbeResult DependencyProbe::Check() {
  std::lock_guard lock(mu_);
  ProbeResult r;
  try {
    redis_.Ping();
    for (auto& s : shards_) s->Ping();
    r.redis_ok = true;
  } catch (const std::exception& e) {
    r.redis_error = e.what();
  }
  try {
    postgres_.Exec("SELECT 1");
    r.postgres_ok = true;
  } catch (const std::exception& e) {
    r.postgres_error = e.what();
  }
  return r;
}

}  // namespace postwork::http
