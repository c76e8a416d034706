#pragma once
// The [email] section of the configuration file and its environment overrides.
#include <toml++/toml.h>

#include "handlers/email_common/email_settings.hpp"

namespace postwork::app {

// [email] unsubscribe_base_url, unsubscribe_secret, secret_key_file,
// attachments_dir, soft_bounce_threshold, soft_bounce_window_days,
// smtp_connect_timeout_ms, smtp_timeout_ms, smtp_verify_peer, smtp_ca_file,
// max_incoming_bytes. Throws ConfigError on a wrong type.
void ApplyEmailFile(const toml::table& root, handlers::email::EmailSettings& email);
// POSTWORK_UNSUBSCRIBE_BASE_URL, POSTWORK_UNSUBSCRIBE_SECRET,
// POSTWORK_SECRET_KEY_FILE, POSTWORK_ATTACHMENTS_DIR.
void ApplyEmailEnv(handlers::email::EmailSettings& email);

}  // namespace postwork::app
