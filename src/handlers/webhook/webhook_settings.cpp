#include "handlers/webhook/webhook_settings.hpp"

#include <stdexcept>

#include "postwork/error.hpp"
#include "webhook/ssrf_guard.hpp"

namespace postwork::handlers::webhook {

void WebhookSettings::Validate() const {
  try {
    postwork::webhook::SsrfAllowlist::Parse(allowlist);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(std::string("webhook.allowlist: ") + e.what());
  }
  if (timeout.count() < 1) throw ConfigError("webhook.timeout_ms must be at least 1");
  if (endpoint_cache_ttl.count() < 0) throw ConfigError("webhook.endpoint_cache_ms must not be negative");
  if (max_attempts < 1 || max_attempts > 1000) throw ConfigError("webhook.max_attempts must be 1..1000");
}

}  // namespace postwork::handlers::webhook
