#include "redis/url.hpp"

#include <charconv>
#include <cstdlib>

#include "postwork/error.hpp"

namespace postwork::redis {
namespace {
int ParseInt(std::string_view text, const char* what, int lo, int hi) {
  int value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < lo || value > hi) {
    throw ConfigError("invalid Redis URL: " + std::string(what) + " '" + std::string(text) +
                      "' is not a number in " + std::to_string(lo) + ".." + std::to_string(hi));
  }
  return value;
}

RedisUrl ParseBareUrl(const std::string& url) {
  constexpr std::string_view kScheme = "redis://";
  if (url.rfind(kScheme, 0) != 0) {
    throw ConfigError("invalid Redis URL: it must start with redis:// (got '" + MaskUrl(url) +
                      "')");
  }
  std::string_view rest(url);
  rest.remove_prefix(kScheme.size());
  RedisUrl out;
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest.remove_prefix(at + 1);
    if (auto colon = userinfo.find(':'); colon != std::string_view::npos) {
      out.user = std::string(userinfo.substr(0, colon));
      out.password = std::string(userinfo.substr(colon + 1));
    } else {
      out.password = std::string(userinfo);  // redis://password@host, as redis-cli accepts
    }
  }
  std::string_view hostport = rest;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    hostport = rest.substr(0, slash);
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty()) out.db = ParseInt(db, "database", 0, 65535);
  }
  if (hostport.empty()) throw ConfigError("invalid Redis URL: no host in '" + MaskUrl(url) + "'");
  if (auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
    out.host = std::string(hostport.substr(0, colon));
    out.port = ParseInt(hostport.substr(colon + 1), "port", 1, 65535);
  } else {
    out.host = std::string(hostport);
  }
  if (out.host.empty()) throw ConfigError("invalid Redis URL: no host in '" + MaskUrl(url) + "'");
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}
}  // namespace

std::vector<QueueShard> ParseShardList(const std::string& list) {
  std::vector<QueueShard> out;
  std::string_view rest(list);
  while (!rest.empty()) {
    size_t semi = rest.find(';');
    std::string_view item = Trim(rest.substr(0, semi));
    rest.remove_prefix(semi == std::string_view::npos ? rest.size() : semi + 1);
    if (item.empty()) continue;
    auto eq = item.find('=');
    std::string pattern(Trim(item.substr(0, eq == std::string_view::npos ? 0 : eq)));
    if (eq == std::string_view::npos || pattern.empty() || pattern == "*") {
      throw ConfigError("POSTWORK_REDIS_SHARDS: '" + MaskUrl(std::string(item)) +
                        "' is not <queue or prefix*>=redis://host:port (the default Redis "
                        "takes every queue no pattern names)");
    }
    if (pattern.find('*') != std::string::npos && pattern.find('*') != pattern.size() - 1) {
      throw ConfigError("POSTWORK_REDIS_SHARDS: pattern '" + pattern +
                        "' may only end in '*' (a prefix)");
    }
    if (pattern.rfind("queue:", 0) != 0) pattern = "queue:" + pattern;
    for (const auto& s : out) {
      if (s.pattern == pattern) {
        throw ConfigError("POSTWORK_REDIS_SHARDS: pattern '" + pattern + "' is listed twice");
      }
    }
    out.push_back(
        {.pattern = pattern, .url = ParseBareUrl(std::string(Trim(item.substr(eq + 1))))});
  }
  return out;
}

RedisUrl ParseRedisUrl(const std::string& url) {
  RedisUrl out = ParseBareUrl(url);
  if (const char* s = std::getenv("POSTWORK_REDIS_SHARDS"); s && *s) out.shards = ParseShardList(s);
  if (const char* s = std::getenv("POSTWORK_REDIS_SENTINELS"); s && *s) {
    out.sentinels = ParseSentinelList(s);
    if (const char* m = std::getenv("POSTWORK_REDIS_SENTINEL_MASTER"); m && *m) {
      out.sentinel_master = m;
    }
    if (const char* p = std::getenv("POSTWORK_REDIS_SENTINEL_PASSWORD"); p && *p) {
      out.sentinel_password = p;
    }
  }
  return out;
}

std::vector<std::pair<std::string, int>> ParseSentinelList(const std::string& list) {
  std::vector<std::pair<std::string, int>> out;
  std::string_view rest(list);
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    auto colon = item.rfind(':');
    if (item.empty() || colon == std::string_view::npos || colon == 0) {
      throw ConfigError("POSTWORK_REDIS_SENTINELS: '" + std::string(item) +
                        "' is not host:port (use host:port,host:port)");
    }
    out.emplace_back(std::string(item.substr(0, colon)),
                     ParseInt(item.substr(colon + 1), "sentinel port", 1, 65535));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (out.empty()) throw ConfigError("POSTWORK_REDIS_SENTINELS: no sentinel listed");
  return out;
}

std::string MaskUrl(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  // The last '@', as ParseRedisUrl splits the userinfo off: with the first, a
  // password containing '@' (or a host part that looks like userinfo) showed
  // its tail in logs and in ParseRedisUrl's own errors.
  auto at = url.rfind('@');
  if (at < scheme + 3) at = std::string::npos;
  if (at == std::string::npos) return url;
  auto userinfo_start = scheme + 3;
  auto colon = url.find(':', userinfo_start);
  if (colon != std::string::npos && colon < at) {
    return url.substr(0, colon + 1) + "***" + url.substr(at);
  }
  return url.substr(0, userinfo_start) + "***" + url.substr(at);
}

}  // namespace postwork::redis
