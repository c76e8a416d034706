#pragma once
#include <string>

namespace postwork::redis {

// redis://[user:password@]host:port[/db]
struct RedisUrl {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string user;
  std::string password;
  int db = 0;
};

// Throws ConfigError naming what is wrong (never echoing the password).
RedisUrl ParseRedisUrl(const std::string& url);
// The URL with any password replaced by "***", for logs.
std::string MaskUrl(const std::string& url);

}  // namespace postwork::redis
