#pragma once
// The process's AES-256-GCM key for account passwords, and the key that signs
// unsubscribe tokens. Loaded on first use; a failed load is not cached, so
// fixing the configuration needs no restart. Errors never contain key bytes.
#include <string>
#include <string_view>
#include <vector>

#include "handlers/email_common/email_settings.hpp"
#include "mail/secret_box.hpp"

namespace postwork::handlers::email {

// $POSTWORK_SECRET_KEY, else settings.secret_key_file. Throws SecretError.
mail::SecretKey AccountSecretKey(const EmailSettings& settings);

// The keys of settings.previous_secret_key_files (each loaded once). Throws
// SecretError naming the file when one is unreadable or malformed.
std::vector<mail::SecretKey> PreviousSecretKeys(const EmailSettings& settings);

// Decrypts a stored credential with whichever key it names: the current one or
// a previous one. Throws SecretError naming the key ids (never key bytes).
std::string DecryptStoredSecret(const EmailSettings& settings, std::string_view ciphertext);

// settings.unsubscribe_secret, else HMAC-derived from the account key.
std::string UnsubscribeSigningKey(const EmailSettings& settings);
// The signing key, then (with no explicit unsubscribe_secret) those derived
// from previous keys: links sent before a key rotation keep working.
std::vector<std::string> UnsubscribeVerificationKeys(const EmailSettings& settings);

}  // namespace postwork::handlers::email
