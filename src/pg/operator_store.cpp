#include "pg/operator_store.hpp"

#include "pg/operator_queries.hpp"

namespace postwork::pg {

OperatorStore::OperatorStore(std::string url) : conn_(std::move(url)) {}

std::vector<QueueCounts> OperatorStore::CountsByQueue() {
  Result r = conn_.Exec(queries::kCountsByQueue);
  std::vector<QueueCounts> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({.queue = r.Get(i, 0),
                   .running = r.GetInt(i, 1),
                   .scheduled = r.GetInt(i, 2),
                   .dead = r.GetInt(i, 3)});
  }
  return out;
}

bool OperatorStore::DeleteFinished(const std::string& id) {
  return conn_.Exec(queries::kDeleteFinished, {id}).affected() > 0;
}

bool OperatorStore::TableExists(const std::string& name) {
  return conn_.Exec(queries::kTableExists, {name}).Get(0, 0) == "t";
}

std::optional<std::vector<std::string>> OperatorStore::Campaigns(int limit) {
  if (!TableExists("campaigns")) return std::nullopt;
  Result r = conn_.Exec(queries::kCampaigns, {std::to_string(limit)});
  std::vector<std::string> rows;
  for (int i = 0; i < r.rows(); ++i) rows.push_back(r.Get(i, 0));
  return rows;
}

}  // namespace postwork::pg
