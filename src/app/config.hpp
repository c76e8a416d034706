#pragma once
// Configuration: TOML file (--config) < environment < command-line flags.
// Parsed only here; components get plain option structs.
#include <optional>
#include <string>
#include <string_view>

#include "core/worker.hpp"
#include "handlers/email_common/email_settings.hpp"
#include "handlers/webhook/webhook_settings.hpp"

namespace postwork::app {

struct Config {
  std::string redis_url;  // POSTWORK_REDIS_URL
  // "pattern=redis://...;..." (POSTWORK_REDIS_SHARDS or [redis_shards]).
  std::string redis_shards;
  std::string database_url;  // POSTWORK_DATABASE_URL
  std::string log_level = "info";
  std::string log_format = "auto";
  size_t max_payload_bytes = 1 << 20;
  core::WorkerOptions worker;                       // queue defaults, cron, timeouts...
  std::string dashboard_listen = "127.0.0.1:8080";  // [dashboard] listen
  std::string dashboard_token;           // POSTWORK_DASHBOARD_TOKEN; "" = read-only dashboard
  handlers::email::EmailSettings email;  // [email]
  // [scaling]: the queue-depth rules of `supervise`, of the desired replica
  // count every worker publishes, and (water marks, age) of in-process slots.
  core::ScalingPolicy scaling;
  handlers::webhook::WebhookSettings webhook;  // [webhook]
  // [analytics] daily_cron / POSTWORK_ANALYTICS_DAILY_CRON: the built-in cron
  // entry "analytics-daily" (queue:analytics:daily-aggregate at `schedule`, UTC).
  // A [[cron]] entry for that queue replaces it.
  bool analytics_daily_cron = true;
  std::string analytics_schedule = "5 0 * * *";

  // Throws ConfigError naming the setting.
  void Validate() const;
};

// The settings of a TOML document alone (no environment); `source` names it in
// errors. Throws ConfigError. LoadConfig's file step, split out to be fuzzed.
Config ParseConfigText(std::string_view text, std::string_view source = "(text)");

// Reads the file (if any), then the environment. Throws ConfigError.
Config LoadConfig(const std::optional<std::string>& file);

// Throws ConfigError with how to get a server when the URL is missing.
void RequireRedis(const Config& c);
void RequireDatabase(const Config& c);

}  // namespace postwork::app
