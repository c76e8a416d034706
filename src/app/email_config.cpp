#include "app/email_config.hpp"

#include <cstdlib>

#include "postwork/error.hpp"

namespace postwork::app {
namespace {
template <typename T>
void Read(const toml::table& t, std::string_view key, T& out) {
  if (auto node = t.get(key)) {
    auto v = node->value<T>();
    if (!v) throw ConfigError("config: email." + std::string(key) + " has the wrong type");
    out = *v;
  }
}

void ReadMs(const toml::table& t, std::string_view key, std::chrono::milliseconds& out) {
  int64_t ms = out.count();
  Read(t, key, ms);
  out = std::chrono::milliseconds(ms);
}

void FromEnv(const char* name, std::string& out) {
  if (const char* v = std::getenv(name); v && *v) out = v;
}
}  // namespace

void ApplyEmailFile(const toml::table& root, handlers::email::EmailSettings& e) {
  auto* t = root["email"].as_table();
  if (!t) return;
  Read(*t, "unsubscribe_base_url", e.unsubscribe_base_url);
  Read(*t, "unsubscribe_secret", e.unsubscribe_secret);
  Read(*t, "secret_key_file", e.secret_key_file);
  if (auto node = t->get("previous_secret_key_files")) {
    auto* array = node->as_array();
    if (!array) throw ConfigError("config: email.previous_secret_key_files must be an array of paths");
    e.previous_secret_key_files.clear();
    for (const auto& item : *array) {
      auto path = item.value<std::string>();
      if (!path || path->empty()) {
        throw ConfigError("config: email.previous_secret_key_files must be an array of paths");
      }
      e.previous_secret_key_files.push_back(*path);
    }
  }
  Read(*t, "attachments_dir", e.attachments_dir);
  int64_t n = e.soft_bounce_threshold;
  Read(*t, "soft_bounce_threshold", n);
  e.soft_bounce_threshold = static_cast<int>(n);
  n = e.soft_bounce_window_days;
  Read(*t, "soft_bounce_window_days", n);
  e.soft_bounce_window_days = static_cast<int>(n);
  ReadMs(*t, "smtp_connect_timeout_ms", e.smtp_connect_timeout);
  ReadMs(*t, "smtp_timeout_ms", e.smtp_timeout);
  Read(*t, "smtp_verify_peer", e.smtp_verify_peer);
  Read(*t, "smtp_ca_file", e.smtp_ca_file);
  n = static_cast<int64_t>(e.max_incoming_bytes);
  Read(*t, "max_incoming_bytes", n);
  if (n < 0) throw ConfigError("config: email.max_incoming_bytes must not be negative");
  e.max_incoming_bytes = static_cast<size_t>(n);
}

void ApplyEmailEnv(handlers::email::EmailSettings& e) {
  FromEnv("POSTWORK_UNSUBSCRIBE_BASE_URL", e.unsubscribe_base_url);
  FromEnv("POSTWORK_UNSUBSCRIBE_SECRET", e.unsubscribe_secret);
  FromEnv("POSTWORK_SECRET_KEY_FILE", e.secret_key_file);
  FromEnv("POSTWORK_ATTACHMENTS_DIR", e.attachments_dir);
  // Colon-separated, like PATH.
  if (const char* v = std::getenv("POSTWORK_PREVIOUS_SECRET_KEY_FILES"); v && *v) {
    e.previous_secret_key_files.clear();
    std::string_view rest = v;
    while (!rest.empty()) {
      size_t colon = rest.find(':');
      std::string_view part = rest.substr(0, colon);
      if (!part.empty()) e.previous_secret_key_files.emplace_back(part);
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
}

}  // namespace postwork::app
