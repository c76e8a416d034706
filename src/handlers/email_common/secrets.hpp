#pragma once
// The process's AES-256-GCM key for account passwords, and the key that signs
// unsubscribe tokens. Loaded on first use; a failed load is not cached, so
// fixing the configuration needs no restart. Errors never contain key bytes.
#include <string>

#include "handlers/email_common/email_settings.hpp"
#include "mail/secret_box.hpp"

namespace postwork::handlers::email {

// $POSTWORK_SECRET_KEY, else settings.secret_key_file. Throws SecretError.
mail::SecretKey AccountSecretKey(const EmailSettings& settings);

// settings.unsubscribe_secret, else HMAC-derived from the account key.
std::string UnsubscribeSigningKey(const EmailSettings& settings);

}  // namespace postwork::handlers::email
