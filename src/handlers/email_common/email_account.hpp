#pragma once
// One sending mailbox (email_accounts) as the handlers read it, always with
// the job's tenant in the WHERE clause: another tenant's account is "not found".
#include <optional>
#include <string>

#include "pg/connection.hpp"

namespace postwork::handlers::email {

struct AccountRow {
  std::string id, email, display_name, smtp_host, smtp_security, smtp_username, smtp_password_enc,
      status, time_zone, updated_at;
  int smtp_port = 587;
};

// nullopt when the tenant has no account `account_id`.
std::optional<AccountRow> LoadAccount(pg::Connection& conn, const std::string& tenant_id,
                                      const std::string& account_id);

}  // namespace postwork::handlers::email
