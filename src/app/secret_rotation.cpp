#include "app/secret_rotation.hpp"

#include <map>

#include "handlers/email_common/secrets.hpp"
#include "mail/mail_error.hpp"
#include "pg/array_literal.hpp"

namespace postwork::app {
namespace {
// Every column that stores a ciphertext. A column that a database does not
// have (an older schema) is skipped.
const std::vector<EncryptedColumn>& KnownColumns() {
  static const std::vector<EncryptedColumn> kColumns = {
      {"email_accounts", "id", "smtp_password_enc"},
      {"email_accounts", "id", "imap_password_enc"},
      {"webhook_endpoints", "id", "secret_enc"},
  };
  return kColumns;
}

}  // namespace

std::vector<EncryptedColumn> EncryptedColumns(pg::Connection& conn) {
  std::vector<EncryptedColumn> out;
  for (const auto& c : KnownColumns()) {
    auto r = conn.Exec(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND "
        "table_name = $1 AND column_name = $2",
        {c.table, c.column});
    if (r.rows() > 0) out.push_back(c);
  }
  return out;
}

std::vector<KeyUsage> SecretKeyUsage(pg::Connection& conn) {
  std::vector<KeyUsage> out;
  for (const auto& c : EncryptedColumns(conn)) {
    auto r = conn.Exec("SELECT split_part(" + c.column + ", ':', 2), count(*) FROM " + c.table +
                       " WHERE coalesce(" + c.column + ", '') <> '' GROUP BY 1 ORDER BY 1");
    for (int i = 0; i < r.rows(); ++i) {
      out.push_back({c.table, c.column, r.Get(i, 0), r.GetInt(i, 1)});
    }
  }
  return out;
}

RotationReport RotateSecrets(pg::Connection& conn, const handlers::email::EmailSettings& settings,
                             const mail::SecretKey& new_key, bool dry_run) {
  std::map<std::string, mail::SecretKey> keys;  // by id: every key that may read a value
  mail::SecretKey current = handlers::email::AccountSecretKey(settings);
  keys.emplace(current.id(), current);
  for (const auto& k : handlers::email::PreviousSecretKeys(settings)) keys.emplace(k.id(), k);
  keys.emplace(new_key.id(), new_key);

  RotationReport report;
  conn.Exec("BEGIN");
  try {
    for (const auto& c : EncryptedColumns(conn)) {
      auto rows = conn.Exec("SELECT " + c.id_column + ", " + c.column + " FROM " + c.table +
                            " WHERE coalesce(" + c.column + ", '') <> '' ORDER BY 1 FOR UPDATE");
      pg::ArrayLiteral ids, values;
      for (int i = 0; i < rows.rows(); ++i) {
        std::string id = rows.Get(i, 0), value = rows.Get(i, 1);
        std::string key_id;
        try {
          key_id = mail::KeyIdOf(value);
        } catch (const mail::SecretError&) {
          report.unreadable.push_back(c.table + "." + c.column + " " + c.id_column + "=" + id +
                                      " (not a ciphertext)");
          continue;
        }
        if (key_id == new_key.id()) {
          ++report.already_current;
          continue;
        }
        auto it = keys.find(key_id);
        if (it == keys.end()) {
          report.unreadable.push_back(c.table + "." + c.column + " " + c.id_column + "=" + id +
                                      " (key " + key_id + ")");
          continue;
        }
        ids.Add(id);
        values.Add(mail::Reencrypt(it->second, new_key, value));
      }
      if (const size_t n = ids.size(); n > 0) {
        conn.Exec("UPDATE " + c.table + " AS t SET " + c.column +
                      " = u.v FROM unnest($1::text[], " + "$2::text[]) AS u(k, v) WHERE t." +
                      c.id_column + "::text = u.k",
                  {ids.Take(), values.Take()});
        report.reencrypted += static_cast<int64_t>(n);
      }
    }
    conn.Exec(dry_run || !report.unreadable.empty() ? "ROLLBACK" : "COMMIT");
  } catch (...) {
    try {
      conn.Exec("ROLLBACK");
    } catch (...) {
    }
    throw;
  }
  return report;
}

}  // namespace postwork::app
