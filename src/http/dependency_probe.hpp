#pragma once
// Answers "do Redis and PostgreSQL respond right now?" for GET /ready and the
// metrics' postwork_dependency_up, with short timeouts and one connection to
// each, kept between probes.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "pg/connection.hpp"
#include "redis/connection.hpp"

namespace postwork::http {

struct ProbeResult {
  bool redis_ok = false;
  bool postgres_ok = false;
  std::string redis_error, postgres_error;
};

class DependencyProbe {
 public:
  DependencyProbe(std::string redis_url, std::string database_url);
  ProbeResult Check();

 private:
  std::mutex mu_;
  redis::Connection redis_;
  // Queue shards: Redis is up only when every shard answers.
  std::vector<std::unique_ptr<redis::Connection>> shards_;
  pg::Connection postgres_;
};

}  // namespace postwork::http
