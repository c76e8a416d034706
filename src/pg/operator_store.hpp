#pragma once
// PostgreSQL reads and writes for the operator surface: per-queue counts for
// `postwork stats`, `top`, /metrics and the dashboard; deleting finished jobs;
// the campaigns table once the email schema has one.
#include <optional>
#include <string>
#include <vector>

#include "pg/connection.hpp"

namespace postwork::pg {

struct QueueCounts {
  std::string queue;
  int64_t running = 0;
  int64_t scheduled = 0;
  int64_t dead = 0;
};

class OperatorStore {
 public:
  explicit OperatorStore(std::string url);

  std::vector<QueueCounts> CountsByQueue();
  // True when the job existed and was completed or failed.
  bool DeleteFinished(const std::string& id);
  bool TableExists(const std::string& name);
  // Rows of `campaigns` as JSON objects; nullopt when the table does not exist.
  std::optional<std::vector<std::string>> Campaigns(int limit);

  Connection& connection() { return conn_; }

 private:
  Connection conn_;
};

}  // namespace postwork::pg
