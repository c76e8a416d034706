#pragma once
// What the webhook handler and the event publisher need from the
// configuration ([webhook] in the TOML file; parsed in src/app/).
#include <chrono>
#include <string>
#include <vector>

namespace postwork::handlers::webhook {

struct WebhookSettings {
  // SSRF guard exceptions: CIDR blocks, addresses, exact host names
  // (docs/webhooks.md, "Allowlist"). Empty: only public addresses.
  std::vector<std::string> allowlist{};
  // Whole attempt: connect, send, read the response.
  std::chrono::milliseconds timeout{10'000};
  // How long the publisher trusts its view of a tenant's endpoints. 0 = ask
  // PostgreSQL on every event.
  std::chrono::milliseconds endpoint_cache_ttl{2'000};
  // Attempts per delivery job (the engine's backoff spaces them).
  int max_attempts = 8;
  // campaign.completed is checked this long after a campaign's last send
  // finished, once the engine has recorded every outcome.
  std::chrono::milliseconds campaign_check_delay{2'000};

  // Throws ConfigError naming the setting (a malformed allowlist entry).
  void Validate() const;
};

}  // namespace postwork::handlers::webhook
