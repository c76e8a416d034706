#pragma once
#include <string>
#include <utility>
#include <vector>

namespace postwork::redis {

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
};

// Throws ConfigError naming what is wrong (never echoing the password).
// Also reads the POSTWORK_REDIS_SENTINEL* variables (see RedisUrl).
RedisUrl ParseRedisUrl(const std::string& url);
// "host:port,host:port" -> pairs; throws ConfigError.
std::vector<std::pair<std::string, int>> ParseSentinelList(const std::string& list);
// The URL with any password replaced by "***", for logs.
std::string MaskUrl(const std::string& url);

}  // namespace postwork::redis
