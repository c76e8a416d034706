#pragma once
// Credentials at rest under the secret key (SMTP/IMAP passwords, webhook
// signing secrets): which key each stored value is under, and re-encryption
// under a new key for `postwork secrets rotate`.
#include <string>
#include <vector>

#include "handlers/email_common/email_settings.hpp"
#include "mail/secret_box.hpp"
#include "pg/connection.hpp"

namespace postwork::app {

// A text column holding "v1:<keyid>:..." ciphertexts, keyed by `id_column`.
struct EncryptedColumn {
  std::string table;
  std::string id_column;
  std::string column;
};

// Every encrypted column of the schema that exists in this database.
std::vector<EncryptedColumn> EncryptedColumns(pg::Connection& conn);

struct KeyUsage {
  std::string table, column, key_id;
  int64_t values = 0;
};
// How many stored values each key id holds, per column.
std::vector<KeyUsage> SecretKeyUsage(pg::Connection& conn);

struct RotationReport {
  int64_t reencrypted = 0;      // moved to the new key
  int64_t already_current = 0;  // under the new key before (a re-run)
  std::vector<std::string> unreadable;  // "table.column id=... key=..." under no known key
};

// Re-encrypts every stored value under `new_key`, in one transaction, reading
// each with the key it names (the current key or a previous one from
// `settings`). Nothing is written when any value is under an unknown key
// (the report lists them) or when `dry_run`. Idempotent.
RotationReport RotateSecrets(pg::Connection& conn, const handlers::email::EmailSettings& settings,
                             const mail::SecretKey& new_key, bool dry_run);

}  // namespace postwork::app
