#include "redis/shard_map.hpp"

namespace postwork::redis {
namespace {
bool SameServer(const RedisUrl& a, const RedisUrl& b) {
  return a.host == b.host && a.port == b.port && a.db == b.db;
}
std::string Where(const RedisUrl& u) {
  return u.host + ":" + std::to_string(u.port) + "/" + std::to_string(u.db);
}
}  // namespace

ShardMap::ShardMap(const RedisUrl& primary) {
  RedisUrl base = primary;
  base.shards.clear();
  urls_.push_back(base);
  for (const auto& s : primary.shards) {
    size_t index = urls_.size();
    for (size_t i = 0; i < urls_.size(); ++i) {
      if (SameServer(urls_[i], s.url)) index = i;  // two patterns, one server: one shard
    }
    if (index == urls_.size()) urls_.push_back(s.url);
    bool prefix = !s.pattern.empty() && s.pattern.back() == '*';
    routes_.push_back({.pattern = prefix ? s.pattern.substr(0, s.pattern.size() - 1) : s.pattern,
                       .prefix = prefix,
                       .shard = index});
  }
}

size_t ShardMap::ShardOf(std::string_view queue) const {
  size_t best = 0, best_len = 0;
  bool exact = false;
  for (const auto& r : routes_) {
    if (!r.prefix) {
      if (queue == r.pattern) {
        best = r.shard;
        exact = true;
      }
    } else if (!exact && queue.substr(0, r.pattern.size()) == r.pattern &&
               r.pattern.size() + 1 > best_len) {
      best = r.shard;
      best_len = r.pattern.size() + 1;
    }
  }
  return best;
}

std::vector<std::pair<size_t, std::vector<std::string>>> ShardMap::Runs(
    const std::vector<std::string>& queues) const {
  std::vector<std::pair<size_t, std::vector<std::string>>> runs;
  for (const auto& q : queues) {
    size_t s = ShardOf(q);
    if (runs.empty() || runs.back().first != s) runs.push_back({s, {}});
    runs.back().second.push_back(q);
  }
  return runs;
}

std::string ShardMap::Describe() const {
  std::string out = "default=" + Where(urls_[0]);
  for (const auto& r : routes_) {
    out += "; " + r.pattern + (r.prefix ? "*" : "") + "=" + Where(urls_[r.shard]);
  }
  return out;
}

}  // namespace postwork::redis
