#include "core/queues.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "postwork/error.hpp"

namespace postwork::core {

const std::vector<std::string>& DefaultQueues() {
  static const std::vector<std::string> kQueues = {
      "queue:email:processing:high", "queue:email:processing",   "queue:email:processing:low",
      "queue:email-sending:high",    "queue:email-sending",      "queue:email-sending:low",
      "queue:warmup:process",        "queue:bounce:process",     "queue:analytics:daily-aggregate",
      "queue:webhook:process"};
  return kQueues;
}

std::string NormalizeQueueName(std::string_view name) {
  while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  if (name.empty()) throw ConfigError("invalid queue name: empty");
  for (char c : name) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '-' || c == '_' ||
              c == '.';
    if (!ok) {
      throw ConfigError("invalid queue name '" + std::string(name) +
                        "': use letters, digits and : - _ .");
    }
  }
  std::string out(name);
  if (out.rfind("queue:", 0) != 0) out = "queue:" + out;
  if (out.size() > 200) throw ConfigError("invalid queue name: longer than 200 characters");
  return out;
}

std::vector<std::string> ParseQueueList(std::string_view csv) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  size_t start = 0;
  while (start <= csv.size()) {
    size_t comma = csv.find(',', start);
    std::string_view part = csv.substr(start, comma == std::string_view::npos ? csv.npos
                                                                               : comma - start);
    std::string q = NormalizeQueueName(part);
    if (!seen.insert(q).second) throw ConfigError("queue '" + q + "' is listed twice");
    out.push_back(q);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

QueueOrder ParseQueueOrder(std::string_view text) {
  if (text == "strict") return QueueOrder::kStrict;
  if (text == "weighted") return QueueOrder::kWeighted;
  throw ConfigError("invalid queue order '" + std::string(text) + "' (use strict or weighted)");
}

std::vector<std::string> OrderForFetch(const std::vector<std::string>& queues, QueueOrder order,
                                       std::mt19937_64& rng) {
  if (order == QueueOrder::kStrict || queues.size() < 2) return queues;
  // Weighted sampling without replacement; weights halve per priority step.
  std::vector<std::string> rest = queues;
  std::vector<double> weights;
  for (size_t i = 0; i < rest.size(); ++i) weights.push_back(std::ldexp(1.0, -static_cast<int>(i)));
  std::vector<std::string> out;
  while (!rest.empty()) {
    std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
    size_t i = pick(rng);
    out.push_back(rest[i]);
    rest.erase(rest.begin() + static_cast<long>(i));
    weights.erase(weights.begin() + static_cast<long>(i));
  }
  return out;
}

}  // namespace postwork::core
