#include "app/config.hpp"

#include <toml++/toml.h>

#include <cstdlib>
#include <optional>
#include <type_traits>

#include "app/email_config.hpp"
#include "app/webhook_config.hpp"
#include "core/queues.hpp"
#include "postwork/error.hpp"
#include "redis/url.hpp"

namespace postwork::app {
namespace {
nlohmann::json TomlToJson(const toml::node& node) {
  if (auto* t = node.as_table()) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : *t) j[std::string(k.str())] = TomlToJson(v);
    return j;
  }
  if (auto* a = node.as_array()) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& v : *a) j.push_back(TomlToJson(v));
    return j;
  }
  if (node.is_integer()) return *node.value<int64_t>();
  if (auto v = node.value<double>(); v && node.is_floating_point()) return *v;
  if (auto v = node.value<bool>()) return *v;
  if (auto v = node.value<std::string>()) return *v;
  return nullptr;
}

// toml++ converts a float to an integer with a bare static_cast (undefined
// behaviour out of range; found by fuzz/config_fuzzer): floats that cannot be
// an int64 are refused before it gets the chance.
bool FitsInt64(const toml::node& node) {
  auto d = node.value<double>();
  return !node.is_floating_point() || (d && *d > -9.2e18 && *d < 9.2e18);
}

template <typename T>
void Read(const toml::table& t, std::string_view key, T& out, const std::string& where) {
  if (auto node = t.get(key)) {
    std::optional<T> v;
    if (!std::is_integral_v<T> || FitsInt64(*node)) v = node->value<T>();
    if (!v) throw ConfigError("config: " + where + std::string(key) + " has the wrong type");
    out = *v;
  }
}

void ApplyTable(Config& c, const toml::table& root) {
  Read(root, "redis_url", c.redis_url, "");
  Read(root, "database_url", c.database_url, "");
  // [redis_shards] "queue:email-sending*" = "redis://10.0.0.2:6379"
  if (auto* shards = root["redis_shards"].as_table()) {
    std::string list;
    for (const auto& [pattern, url] : *shards) {
      auto u = url.value<std::string>();
      if (!u)
        throw ConfigError("config: redis_shards." + std::string(pattern.str()) +
                          " must be a redis:// URL string");
      list += std::string(pattern.str()) + "=" + *u + ";";
    }
    c.redis_shards = list;
  }
  if (auto* log = root["log"].as_table()) {
    Read(*log, "level", c.log_level, "log.");
    Read(*log, "format", c.log_format, "log.");
  }
  if (auto* t = root["scaling"].as_table()) {
    auto& p = c.scaling;
    int64_t n = 0;
    double d = 0;
    if (t->contains("min")) Read(*t, "min", n, "scaling."), p.min = static_cast<int>(n);
    if (t->contains("max")) Read(*t, "max", n, "scaling."), p.max = static_cast<int>(n);
    if (t->contains("step")) Read(*t, "step", n, "scaling."), p.step = static_cast<int>(n);
    if (t->contains("high_water")) Read(*t, "high_water", p.high_water, "scaling.");
    if (t->contains("low_water")) Read(*t, "low_water", p.low_water, "scaling.");
    if (t->contains("max_age_s")) Read(*t, "max_age_s", d, "scaling."), p.max_oldest_age_s = d;
    if (t->contains("cooldown_s")) {
      Read(*t, "cooldown_s", d, "scaling.");
      if (!(d >= 0 && d < 1e9)) throw ConfigError("config: scaling.cooldown_s must be 0..1e9");
      p.cooldown_ms = static_cast<int64_t>(d * 1000);
    }
    if (p.min > 100000 || p.max > 100000 || p.step > 100000 ||
        !(p.max_oldest_age_s >= 0 && p.max_oldest_age_s < 1e9) || p.cooldown_ms < 0 ||
        p.cooldown_ms > int64_t{1} << 50) {
      throw ConfigError("config: [scaling] values out of range");
    }
  }
  auto& w = c.worker;
  if (auto* t = root["worker"].as_table()) {
    int64_t n = 0;
    std::string s;
    if (t->contains("concurrency"))
      Read(*t, "concurrency", n, "worker."), w.concurrency = static_cast<int>(n);
    if (t->contains("lease_seconds"))
      Read(*t, "lease_seconds", n, "worker."), w.lease_seconds = static_cast<int>(n);
    if (t->contains("shutdown_timeout_seconds"))
      Read(*t, "shutdown_timeout_seconds", n, "worker."),
          w.shutdown_timeout_seconds = static_cast<int>(n);
    if (t->contains("poll_interval_ms"))
      Read(*t, "poll_interval_ms", n, "worker."), w.poll_interval_ms = static_cast<int>(n);
    if (t->contains("reconcile_interval_seconds"))
      Read(*t, "reconcile_interval_seconds", n, "worker."),
          w.reconcile_interval_seconds = static_cast<int>(n);
    if (t->contains("reconcile_grace_seconds"))
      Read(*t, "reconcile_grace_seconds", n, "worker."),
          w.reconcile_grace_seconds = static_cast<int>(n);
    if (t->contains("terminal_ttl_seconds"))
      Read(*t, "terminal_ttl_seconds", w.terminal_ttl_seconds, "worker.");
    if (t->contains("default_max_attempts"))
      Read(*t, "default_max_attempts", n, "worker."), w.default_max_attempts = static_cast<int>(n);
    if (t->contains("queue_order"))
      Read(*t, "queue_order", s, "worker."), w.order = core::ParseQueueOrder(s);
    if (t->contains("retry_jitter")) Read(*t, "retry_jitter", w.retry.jitter, "worker.");
    if (auto* q = (*t)["queues"].as_array()) {
      w.queues.clear();
      for (const auto& e : *q) {
        auto v = e.value<std::string>();
        if (!v) throw ConfigError("config: worker.queues must be a list of strings");
        w.queues.push_back(core::NormalizeQueueName(*v));
      }
    }
  }
  if (auto* qs = root["queues"].as_table()) {
    for (const auto& [name, node] : *qs) {
      auto* q = node.as_table();
      if (!q) throw ConfigError("config: queues." + std::string(name.str()) + " must be a table");
      std::string queue = core::NormalizeQueueName(name.str());
      int64_t n = 0;
      if (q->contains("max_attempts")) {
        Read(*q, "max_attempts", n, "queues." + queue + ".");
        w.max_attempts_by_queue[queue] = static_cast<int>(n);
      }
      if (q->contains("timeout_seconds")) {
        Read(*q, "timeout_seconds", n, "queues." + queue + ".");
        w.timeout_seconds_by_queue[queue] = static_cast<int>(n);
      }
    }
  }
  if (auto* crons = root["cron"].as_array()) {
    for (const auto& node : *crons) {
      auto* e = node.as_table();
      if (!e) throw ConfigError("config: each [[cron]] entry must be a table");
      std::string name, schedule, queue;
      Read(*e, "name", name, "cron.");
      Read(*e, "schedule", schedule, "cron.");
      Read(*e, "queue", queue, "cron.");
      if (name.empty() || schedule.empty() || queue.empty()) {
        throw ConfigError("config: a [[cron]] entry needs name, schedule and queue");
      }
      core::CronEntry entry{.name = name,
                            .schedule = core::CronSchedule::Parse(schedule),
                            .queue = core::NormalizeQueueName(queue)};
      if (auto* p = (*e)["payload"].node()) entry.payload = TomlToJson(*p);
      w.cron.push_back(std::move(entry));
    }
  }
  if (auto* d = root["dashboard"].as_table()) {
    Read(*d, "listen", c.dashboard_listen, "dashboard.");
    Read(*d, "token", c.dashboard_token, "dashboard.");
  }
  ApplyEmailFile(root, c.email);
  ApplyWebhookFile(root, c.webhook);
  if (auto* a = root["analytics"].as_table()) {
    Read(*a, "daily_cron", c.analytics_daily_cron, "analytics.");
    Read(*a, "schedule", c.analytics_schedule, "analytics.");
  }
  if (auto* limits = root["limits"].as_table()) {
    int64_t n = 0;
    if (limits->contains("max_payload_bytes")) {
      Read(*limits, "max_payload_bytes", n, "limits.");
      c.max_payload_bytes = static_cast<size_t>(n);
    }
  }
}

ConfigError ParseFailure(std::string_view source, const toml::parse_error& e) {
  return ConfigError("config file " + std::string(source) + ": " + std::string(e.description()) +
                     " (line " + std::to_string(e.source().begin.line) + ")");
}

void ApplyFile(Config& c, const std::string& path) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw ParseFailure(path, e);
  }
  ApplyTable(c, root);
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// The daily analytics tick, unless disabled or the file schedules that queue itself.
void AddBuiltInCron(Config& c) {
  constexpr const char* kQueue = "queue:analytics:daily-aggregate";
  if (!c.analytics_daily_cron) return;
  for (const auto& e : c.worker.cron) {
    if (e.queue == kQueue) return;
  }
  c.worker.cron.push_back({.name = "analytics-daily",
                           .schedule = core::CronSchedule::Parse(c.analytics_schedule),
                           .queue = kQueue});
}
}  // namespace

void Config::Validate() const {
  if (!redis_url.empty()) redis::ParseRedisUrl(redis_url);
  if (!redis_shards.empty()) redis::ParseShardList(redis_shards);
  if (!database_url.empty() && database_url.rfind("postgres", 0) != 0 &&
      database_url.find('=') == std::string::npos) {
    throw ConfigError(
        "invalid database URL: use postgresql://user@host:port/db or key=value pairs");
  }
  email.Validate();
  scaling.Validate();
  webhook.Validate();
  for (const auto& [q, n] : worker.max_attempts_by_queue) {
    if (n < 1 || n > 1000) throw ConfigError("queues." + q + ".max_attempts must be 1..1000");
  }
  for (const auto& [q, n] : worker.timeout_seconds_by_queue) {
    if (n < 1) throw ConfigError("queues." + q + ".timeout_seconds must be at least 1");
  }
}

Config ParseConfigText(std::string_view text, std::string_view source) {
  Config c;
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    throw ParseFailure(source, e);
  }
  ApplyTable(c, root);
  AddBuiltInCron(c);
  return c;
}

Config LoadConfig(const std::optional<std::string>& file) {
  Config c;
  if (file) ApplyFile(c, *file);
  if (auto v = Env("POSTWORK_REDIS_URL"); !v.empty()) c.redis_url = v;
  if (auto v = Env("POSTWORK_DATABASE_URL"); !v.empty()) c.database_url = v;
  // Queue sharding is read where Redis URLs are parsed (POSTWORK_REDIS_SHARDS):
  // the config file's [redis_shards] is handed on that way, also to the
  // workers `supervise` starts. The environment wins over the file.
  if (auto v = Env("POSTWORK_REDIS_SHARDS"); !v.empty()) {
    c.redis_shards = v;
  } else if (!c.redis_shards.empty()) {
    ::setenv("POSTWORK_REDIS_SHARDS", c.redis_shards.c_str(), 1);
  }
  if (auto v = Env("POSTWORK_LOG_LEVEL"); !v.empty()) c.log_level = v;
  if (auto v = Env("POSTWORK_LOG_FORMAT"); !v.empty()) c.log_format = v;
  if (auto v = Env("POSTWORK_DASHBOARD_TOKEN"); !v.empty()) c.dashboard_token = v;
  ApplyEmailEnv(c.email);
  ApplyWebhookEnv(c.webhook);
  if (auto v = Env("POSTWORK_ANALYTICS_DAILY_CRON"); !v.empty()) {
    if (v == "off" || v == "false" || v == "0") {
      c.analytics_daily_cron = false;
    } else if (v == "on" || v == "true" || v == "1") {
      c.analytics_daily_cron = true;
    } else {
      throw ConfigError("POSTWORK_ANALYTICS_DAILY_CRON must be on or off");
    }
  }
  AddBuiltInCron(c);
  return c;
}

void RequireRedis(const Config& c) {
  if (c.redis_url.empty()) {
    throw ConfigError(
        "no Redis configured: set POSTWORK_REDIS_URL (redis://host:port), pass --redis-url, or "
        "run `postwork dev` for a private one");
  }
}

void RequireDatabase(const Config& c) {
  if (c.database_url.empty()) {
    throw ConfigError(
        "no PostgreSQL configured: set POSTWORK_DATABASE_URL (postgresql://user@host:port/db), "
        "pass --database-url, or run `postwork dev` for a private one");
  }
}

}  // namespace postwork::app
