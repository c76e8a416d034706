#include "handlers/email_common/email_account.hpp"

namespace postwork::handlers::email {
namespace {
constexpr const char* kAccount = R"SQL(
SELECT id, email, display_name, smtp_host, smtp_port, smtp_security, smtp_username,
       smtp_password_enc, status, time_zone, updated_at::text
FROM email_accounts WHERE tenant_id = $1 AND id = $2)SQL";
}  // namespace

std::optional<AccountRow> LoadAccount(pg::Connection& conn, const std::string& tenant_id,
                                      const std::string& account_id) {
  auto a = conn.Exec(kAccount, {tenant_id, account_id});
  if (a.rows() == 0) return std::nullopt;
  return AccountRow{.id = a.Get(0, 0),
                    .email = a.Get(0, 1),
                    .display_name = a.Get(0, 2),
                    .smtp_host = a.Get(0, 3),
                    .smtp_security = a.Get(0, 5),
                    .smtp_username = a.Get(0, 6),
                    .smtp_password_enc = a.Get(0, 7),
                    .status = a.Get(0, 8),
                    .time_zone = a.Get(0, 9),
                    .updated_at = a.Get(0, 10),
                    .smtp_port = static_cast<int>(a.GetInt(0, 4))};
}

}  // namespace postwork::handlers::email
