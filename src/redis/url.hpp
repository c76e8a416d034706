#pragma once
#include <string>
#include <utility>
#include <vector>

namespace postwork::redis {

struct QueueShard;

// redis://[user:password@]host:port[/db]
struct RedisUrl {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string user;
  std::string password;
  int db = 0;
  // Redis Sentinel (POSTWORK_REDIS_SENTINELS="host:port,host:port,..."): when
  // set, every connection asks the sentinels for the current master of
  // `sentinel_master` (POSTWORK_REDIS_SENTINEL_MASTER, default "mymaster") and
  // checks its ROLE; host/port above are then only what the URL said. The
  // password and db of the URL apply to the master;
  // POSTWORK_REDIS_SENTINEL_PASSWORD, if set, to the sentinels.
  std::vector<std::pair<std::string, int>> sentinels;
  std::string sentinel_master = "mymaster";
  std::string sentinel_password;
  // Queue sharding (POSTWORK_REDIS_SHARDS, or `redis_shards` in the config
  // file): queues matching a pattern live on another Redis. Everything else,
  // and what is not a queue's (worker heartbeats, locks), stays on this one.
  std::vector<QueueShard> shards;
};

// "queue:email-sending*" (a prefix) or "queue:webhook:process" (one queue).
struct QueueShard {
  std::string pattern;
  RedisUrl url;
};

// Throws ConfigError naming what is wrong (never echoing the password).
// Also reads the POSTWORK_REDIS_SENTINEL* variables and POSTWORK_REDIS_SHARDS
// (see RedisUrl).
RedisUrl ParseRedisUrl(const std::string& url);
// "pattern=redis://host:port;pattern=redis://..." -> shards; a pattern is a
// queue name ("queue:" may be left out) or a prefix ending in '*'. Throws
// ConfigError naming the bad entry (never echoing a password).
std::vector<QueueShard> ParseShardList(const std::string& list);
// "host:port,host:port" -> pairs; throws ConfigError.
std::vector<std::pair<std::string, int>> ParseSentinelList(const std::string& list);
// The URL with any password replaced by "***", for logs.
std::string MaskUrl(const std::string& url);

}  // namespace postwork::redis
