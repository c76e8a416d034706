#pragma once
// Queue sharding: which Redis holds which queue. Shard 0 is the default Redis
// (every queue no pattern names, worker heartbeats, locks); a queue's job
// hashes, lists, scheduled set, leases and dead set all live on its shard, so
// every state transition stays one Lua script on one server.
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "redis/url.hpp"

namespace postwork::redis {

class ShardMap {
 public:
  explicit ShardMap(const RedisUrl& primary);

  size_t size() const { return urls_.size(); }
  const RedisUrl& url(size_t i) const { return urls_.at(i); }
  // An exact name beats a prefix; the longest prefix wins.
  size_t ShardOf(std::string_view queue) const;
  // The queues in the order given, cut into runs of consecutive queues on the
  // same shard: fetching run by run keeps strict priority across shards.
  std::vector<std::pair<size_t, std::vector<std::string>>> Runs(
      const std::vector<std::string>& queues) const;
  // "host:port/db" of each shard, for logs (never a password).
  std::string Describe() const;

 private:
  std::vector<RedisUrl> urls_;
  struct Route {
    std::string pattern;  // without the trailing '*' when prefix
    bool prefix = false;
    size_t shard = 0;
  };
  std::vector<Route> routes_;
};

}  // namespace postwork::redis
