#include "handlers/email_common/email_settings.hpp"

#include "postwork/error.hpp"

namespace postwork::handlers::email {

void EmailSettings::Validate() const {
  if (!unsubscribe_base_url.empty() && unsubscribe_base_url.rfind("https://", 0) != 0) {
    throw ConfigError("email.unsubscribe_base_url must be an https:// URL");
  }
  if (soft_bounce_threshold < 1)
    throw ConfigError("email.soft_bounce_threshold must be at least 1");
  if (soft_bounce_window_days < 1) {
    throw ConfigError("email.soft_bounce_window_days must be at least 1");
  }
  if (smtp_connect_timeout.count() < 1 || smtp_timeout.count() < 1) {
    throw ConfigError("email.smtp_connect_timeout_ms and email.smtp_timeout_ms must be positive");
  }
  if (max_incoming_bytes < 1024)
    throw ConfigError("email.max_incoming_bytes must be at least 1024");
}

}  // namespace postwork::handlers::email
