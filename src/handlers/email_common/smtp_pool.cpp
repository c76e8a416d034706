#include "handlers/email_common/smtp_pool.hpp"

#include <map>
#include <memory>

#include "handlers/email_common/secrets.hpp"
#include "mail/codec.hpp"
#include "mail/mail_error.hpp"
#include "postwork/error.hpp"

namespace postwork::handlers::email {
namespace {
// Bounds memory and open connections when one thread serves many mailboxes.
constexpr size_t kMaxClientsPerThread = 64;

struct PooledClient {
  std::string fingerprint;
  std::unique_ptr<mail::SmtpClient> client;
};

std::string Fingerprint(const AccountRow& a) {
  return a.smtp_host + "|" + std::to_string(a.smtp_port) + "|" + a.smtp_security + "|" +
         a.smtp_username + "|" + mail::Sha256Hex(a.smtp_password_enc) + "|" + a.email;
}
}  // namespace

mail::SmtpSecurity ParseSmtpSecurity(const std::string& text) {
  if (text == "none") return mail::SmtpSecurity::kNone;
  if (text == "tls") return mail::SmtpSecurity::kTls;
  if (text == "starttls") return mail::SmtpSecurity::kStartTls;
  throw PermanentError("unknown SMTP security '" + text + "' (none, starttls or tls)");
}

mail::SmtpClient& SmtpClientFor(const AccountRow& account, const EmailSettings& settings) {
  thread_local std::map<std::string, PooledClient> pool;
  std::string fp = Fingerprint(account);
  auto it = pool.find(account.id);
  if (it != pool.end() && it->second.fingerprint == fp) return *it->second.client;
  if (it != pool.end()) pool.erase(it);
  if (pool.size() >= kMaxClientsPerThread) pool.erase(pool.begin());

  mail::SmtpSettings s{.host = account.smtp_host,
                       .port = static_cast<uint16_t>(account.smtp_port),
                       .security = ParseSmtpSecurity(account.smtp_security),
                       .username = account.smtp_username,
                       .connect_timeout = settings.smtp_connect_timeout,
                       .timeout = settings.smtp_timeout,
                       .verify_peer = settings.smtp_verify_peer,
                       .ca_file = settings.smtp_ca_file};
  try {
    if (!account.smtp_password_enc.empty()) {
      s.password = DecryptStoredSecret(settings, account.smtp_password_enc);
    }
    auto client = std::make_unique<mail::SmtpClient>(std::move(s));
    auto& slot = pool[account.id];
    slot = {.fingerprint = fp, .client = std::move(client)};
    return *slot.client;
  } catch (const mail::SecretError& e) {
    throw PermanentError("email account " + account.id +
                         ": cannot decrypt the SMTP password: " + e.what());
  } catch (const mail::SmtpError& e) {
    throw PermanentError("email account " + account.id + ": " + e.what());
  }
}

}  // namespace postwork::handlers::email
