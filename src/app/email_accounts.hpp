#pragma once
// Sending mailboxes in email_accounts: the passwords are encrypted here with
// the process's secret key before they reach the database, and never read
// back in plain text (the sending handler decrypts them in memory only).
#include <optional>
#include <string>
#include <vector>

#include "handlers/email_common/email_settings.hpp"
#include "pg/connection.hpp"

namespace postwork::app {

struct NewEmailAccount {
  std::string tenant_id;
  std::string email;
  std::string display_name{};
  std::string smtp_host;
  int smtp_port = 587;
  std::string smtp_security = "starttls";  // none, starttls, tls
  std::string smtp_username{};
  std::string smtp_password{};  // plain text in memory only; "" = no AUTH
  std::optional<std::string> imap_host{};
  int imap_port = 993;
  std::string imap_security = "tls";
  std::string imap_username{};
  std::string imap_password{};
  int daily_limit = 50;
  int min_gap_seconds = 0;
  std::string time_zone = "UTC";
};

struct EmailAccountSummary {
  std::string id, tenant_id, email, display_name, smtp_host, smtp_security, smtp_username, status,
      time_zone;
  int smtp_port = 0, daily_limit = 0, min_gap_seconds = 0;
  std::string password_key_id;  // key id of the stored ciphertext, "" when no password
  bool has_imap = false;
};

struct AddedAccount {
  std::string id;
  bool created = false;  // false: an account with that address was updated
};

// Creates the tenant row if needed; one account per (tenant, address): adding
// an existing address updates it. Throws ConfigError for invalid input and
// SecretError when there is no usable key (nothing is written then).
AddedAccount AddEmailAccount(pg::Connection& conn, const NewEmailAccount& account,
                             const handlers::email::EmailSettings& settings);

std::vector<EmailAccountSummary> ListEmailAccounts(pg::Connection& conn,
                                                   const std::string& tenant_id);

}  // namespace postwork::app
