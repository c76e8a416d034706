#include "app/webhook_config.hpp"

#include <cstdlib>

#include "postwork/error.hpp"

namespace postwork::app {
namespace {
void ReadMs(const toml::table& t, std::string_view key, std::chrono::milliseconds& out) {
  if (auto node = t.get(key)) {
    auto v = node->is_integer() ? node->value<int64_t>() : std::nullopt;
    if (!v) throw ConfigError("config: webhook." + std::string(key) + " must be an integer");
    out = std::chrono::milliseconds(*v);
  }
}
}  // namespace

void ApplyWebhookFile(const toml::table& root, handlers::webhook::WebhookSettings& w) {
  auto* t = root["webhook"].as_table();
  if (!t) return;
  if (auto node = t->get("allowlist")) {
    auto* array = node->as_array();
    if (!array) throw ConfigError("config: webhook.allowlist must be an array of strings");
    w.allowlist.clear();
    for (const auto& item : *array) {
      auto entry = item.value<std::string>();
      if (!entry) throw ConfigError("config: webhook.allowlist must be an array of strings");
      w.allowlist.push_back(*entry);
    }
  }
  ReadMs(*t, "timeout_ms", w.timeout);
  ReadMs(*t, "endpoint_cache_ms", w.endpoint_cache_ttl);
  ReadMs(*t, "campaign_check_delay_ms", w.campaign_check_delay);
  if (auto node = t->get("max_attempts")) {
    auto v = node->is_integer() ? node->value<int64_t>() : std::nullopt;
    if (!v || *v < 1 || *v > 1000) throw ConfigError("config: webhook.max_attempts must be 1..1000");
    w.max_attempts = static_cast<int>(*v);
  }
}

void ApplyWebhookEnv(handlers::webhook::WebhookSettings& w) {
  const char* v = std::getenv("POSTWORK_WEBHOOK_ALLOWLIST");
  if (!v || !*v) return;
  w.allowlist.clear();
  std::string_view rest = v;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view part = rest.substr(0, comma);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (!part.empty()) w.allowlist.emplace_back(part);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
}

}  // namespace postwork::app
