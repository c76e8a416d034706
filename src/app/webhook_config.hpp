#pragma once
// The [webhook] section of the configuration file and its environment overrides.
#include <toml++/toml.h>

#include "handlers/webhook/webhook_settings.hpp"

namespace postwork::app {

// [webhook] allowlist (array of strings), timeout_ms, endpoint_cache_ms,
// max_attempts, campaign_check_delay_ms. Throws ConfigError on a wrong type.
void ApplyWebhookFile(const toml::table& root, handlers::webhook::WebhookSettings& webhook);
// POSTWORK_WEBHOOK_ALLOWLIST: comma-separated entries (replaces the file's list).
void ApplyWebhookEnv(handlers::webhook::WebhookSettings& webhook);

}  // namespace postwork::app
