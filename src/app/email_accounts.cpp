#include "app/email_accounts.hpp"

#include "handlers/email_common/secrets.hpp"
#include "handlers/email_common/time_zone.hpp"
#include "mail/address.hpp"
#include "mail/mail_error.hpp"
#include "mail/secret_box.hpp"
#include "postwork/error.hpp"

namespace postwork::app {
namespace {
constexpr const char* kUpsertTenant =
    "INSERT INTO tenants (id, name) VALUES ($1, $1) ON CONFLICT (id) DO NOTHING";

constexpr const char* kUpsertAccount = R"SQL(
INSERT INTO email_accounts (tenant_id, email, display_name, smtp_host, smtp_port, smtp_security,
                            smtp_username, smtp_password_enc, imap_host, imap_port, imap_security,
                            imap_username, imap_password_enc, daily_limit, min_gap_seconds, time_zone)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
ON CONFLICT (tenant_id, email) DO UPDATE SET
  display_name = EXCLUDED.display_name, smtp_host = EXCLUDED.smtp_host,
  smtp_port = EXCLUDED.smtp_port, smtp_security = EXCLUDED.smtp_security,
  smtp_username = EXCLUDED.smtp_username, smtp_password_enc = EXCLUDED.smtp_password_enc,
  imap_host = EXCLUDED.imap_host, imap_port = EXCLUDED.imap_port,
  imap_security = EXCLUDED.imap_security, imap_username = EXCLUDED.imap_username,
  imap_password_enc = EXCLUDED.imap_password_enc, daily_limit = EXCLUDED.daily_limit,
  min_gap_seconds = EXCLUDED.min_gap_seconds, time_zone = EXCLUDED.time_zone, updated_at = now()
RETURNING id, (xmax = 0))SQL";

constexpr const char* kList = R"SQL(
SELECT id, tenant_id, email, display_name, smtp_host, smtp_port, smtp_security, smtp_username,
       status, time_zone, daily_limit, min_gap_seconds, smtp_password_enc, imap_host IS NOT NULL
FROM email_accounts WHERE ($1::text IS NULL OR tenant_id = $1) ORDER BY tenant_id, email)SQL";

void Check(const NewEmailAccount& a) {
  if (a.tenant_id.empty()) throw ConfigError("accounts add: --tenant is required");
  if (!mail::IsValidAddress(a.email)) throw ConfigError("accounts add: invalid --email address");
  if (a.smtp_host.empty()) throw ConfigError("accounts add: --smtp-host is required");
  if (a.smtp_port < 1 || a.smtp_port > 65535)
    throw ConfigError("accounts add: --smtp-port must be 1..65535");
  for (const auto& s : {a.smtp_security, a.imap_security}) {
    if (s != "none" && s != "starttls" && s != "tls") {
      throw ConfigError("accounts add: security must be none, starttls or tls");
    }
  }
  if (a.daily_limit < 0 || a.min_gap_seconds < 0) {
    throw ConfigError("accounts add: limits must not be negative");
  }
  try {
    handlers::email::TimeZone::Load(a.time_zone);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(std::string("accounts add: --time-zone: ") + e.what());
  }
}
}  // namespace

AddedAccount AddEmailAccount(pg::Connection& conn, const NewEmailAccount& a,
                             const handlers::email::EmailSettings& settings) {
  Check(a);
  std::string smtp_enc, imap_enc;
  if (!a.smtp_password.empty() || !a.imap_password.empty()) {
    mail::SecretKey key = handlers::email::AccountSecretKey(settings);
    if (!a.smtp_password.empty()) smtp_enc = mail::Encrypt(key, a.smtp_password);
    if (!a.imap_password.empty()) imap_enc = mail::Encrypt(key, a.imap_password);
  }
  return pg::InTransaction(conn, [&] {
    conn.Exec(kUpsertTenant, {a.tenant_id});
    bool imap = a.imap_host.has_value();
    auto r =
        conn.Exec(kUpsertAccount,
                  {a.tenant_id, a.email, a.display_name, a.smtp_host, std::to_string(a.smtp_port),
                   a.smtp_security, a.smtp_username, smtp_enc, a.imap_host,
                   imap ? std::optional(std::to_string(a.imap_port)) : std::nullopt,
                   imap ? std::optional(a.imap_security) : std::nullopt,
                   imap ? std::optional(a.imap_username) : std::nullopt,
                   imap && !imap_enc.empty() ? std::optional(imap_enc) : std::nullopt,
                   std::to_string(a.daily_limit), std::to_string(a.min_gap_seconds), a.time_zone});
    return AddedAccount{.id = r.Get(0, 0), .created = r.Get(0, 1) == "t"};
  });
}

std::vector<EmailAccountSummary> ListEmailAccounts(pg::Connection& conn,
                                                   const std::string& tenant_id) {
  auto r = conn.Exec(kList, {tenant_id.empty() ? std::nullopt : std::optional(tenant_id)});
  std::vector<EmailAccountSummary> out;
  for (int i = 0; i < r.rows(); ++i) {
    std::string enc = r.Get(i, 12);
    std::string key_id;
    if (!enc.empty()) {
      try {
        key_id = mail::KeyIdOf(enc);
      } catch (const mail::MailError&) {
        key_id = "invalid";
      }
    }
    out.push_back({.id = r.Get(i, 0),
                   .tenant_id = r.Get(i, 1),
                   .email = r.Get(i, 2),
                   .display_name = r.Get(i, 3),
                   .smtp_host = r.Get(i, 4),
                   .smtp_security = r.Get(i, 6),
                   .smtp_username = r.Get(i, 7),
                   .status = r.Get(i, 8),
                   .time_zone = r.Get(i, 9),
                   .smtp_port = static_cast<int>(r.GetInt(i, 5)),
                   .daily_limit = static_cast<int>(r.GetInt(i, 10)),
                   .min_gap_seconds = static_cast<int>(r.GetInt(i, 11)),
                   .password_key_id = key_id,
                   .has_imap = r.Get(i, 13) == "t"});
  }
  return out;
}

}  // namespace postwork::app
