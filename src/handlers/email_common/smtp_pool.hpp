#pragma once
// One SmtpClient per (worker thread, account), so consecutive sends from one
// mailbox reuse the open connection (one TCP/TLS handshake and one AUTH). The
// password is decrypted only here, when a client is created, and lives only in
// that client's memory. A changed account (settings or password) gets a new client.
#include "handlers/email_common/email_account.hpp"
#include "handlers/email_common/email_settings.hpp"
#include "mail/smtp_client.hpp"

namespace postwork::handlers::email {

// Throws PermanentError when the password cannot be decrypted (no key, wrong
// key, tampered value) or the settings are unusable.
mail::SmtpClient& SmtpClientFor(const AccountRow& account, const EmailSettings& settings);

mail::SmtpSecurity ParseSmtpSecurity(const std::string& text);

}  // namespace postwork::handlers::email
