#include "http/dependency_probe.hpp"

namespace postwork::http {

DependencyProbe::DependencyProbe(std::string redis_url, std::string database_url)
    : redis_(redis::ParseRedisUrl(redis_url), std::chrono::milliseconds(1000)),
      postgres_(std::move(database_url)) {}

ProbeResult DependencyProbe::Check() {
  std::lock_guard lock(mu_);
  ProbeResult r;
  try {
    redis_.Ping();
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
