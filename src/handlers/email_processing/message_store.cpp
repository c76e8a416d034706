#include "handlers/email_processing/message_store.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "handlers/email_common/campaign_metrics.hpp"
#include "mail/codec.hpp"
#include "postwork/error.hpp"

namespace postwork::handlers::email {
namespace {
namespace fs = std::filesystem;

constexpr const char* kFind =
    "SELECT storage_key, id FROM email_messages WHERE tenant_id = $1 AND message_id = $2";

// Two runs of the same message (a duplicate job, a reclaimed one) queue up
// here instead of racing to insert.
constexpr const char* kLockMessage =
    "SELECT pg_advisory_xact_lock(hashtextextended('message:' || $1 || ':' || $2, 0))";

constexpr const char* kAccountExists =
    "SELECT 1 FROM email_accounts WHERE tenant_id = $1 AND id = $2";

constexpr const char* kInsertContent = R"SQL(
INSERT INTO email_content (storage_key, tenant_id, content_text, content_html, headers,
                           raw_size_bytes, retention_days)
VALUES ($1, $2, $3, $4, $5::jsonb, $6, 2555))SQL";

constexpr const char* kInsertMessage = R"SQL(
INSERT INTO email_messages (storage_key, tenant_id, email_account_id, direction, message_type,
                            from_email, to_email, subject, status, message_id, in_reply_to,
                            references_ids, classification, delivery_id)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, 'received', $9, nullif($10, ''),
       ARRAY(SELECT jsonb_array_elements_text($11::jsonb)), $12, $13
ON CONFLICT (tenant_id, message_id) DO NOTHING
RETURNING id)SQL";

constexpr const char* kInsertAttachmentInDb = R"SQL(
INSERT INTO email_attachments (tenant_id, sha256, size_bytes, content_type, data)
VALUES ($1, $2, $3, $4, decode($5, 'hex'))
ON CONFLICT (tenant_id, sha256) DO NOTHING)SQL";

constexpr const char* kInsertAttachmentOnDisk = R"SQL(
INSERT INTO email_attachments (tenant_id, sha256, size_bytes, content_type, file_path)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (tenant_id, sha256) DO NOTHING)SQL";

constexpr const char* kLinkAttachment = R"SQL(
INSERT INTO email_message_attachments (storage_key, position, tenant_id, sha256, filename,
                                       content_type, content_id, is_inline)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8))SQL";

constexpr const char* kDeliveryReplied = R"SQL(
UPDATE email_deliveries SET replied_at = now(), updated_at = now()
WHERE tenant_id = $1 AND id = $2 AND replied_at IS NULL)SQL";

constexpr const char* kDeliveryAutoReplied = R"SQL(
UPDATE email_deliveries SET auto_replied_at = now(), updated_at = now()
WHERE tenant_id = $1 AND id = $2 AND auto_replied_at IS NULL)SQL";

constexpr const char* kLeadReplied = R"SQL(
UPDATE leads SET status = 'replied', updated_at = now()
WHERE tenant_id = $1 AND id = $2 AND status = 'active')SQL";

// The seed's `email_${messageId}_${Date.now()}`, limited to characters that
// are safe in a key or a file name.
std::string StorageKey(const std::string& message_id, int64_t now_ms) {
  std::string safe;
  for (char c : message_id.substr(0, 120)) {
    safe +=
        std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '@' ? c : '_';
  }
  return "email_" + safe + "_" + std::to_string(now_ms);
}

// Content-addressed: written once under its digest, atomically (temp + rename).
std::string WriteAttachmentFile(const std::string& dir, const mail::Attachment& a) {
  fs::path path = fs::path(dir) / a.sha256_hex.substr(0, 2) / a.sha256_hex;
  if (fs::exists(path) && fs::file_size(path) == a.data.size()) return path.string();
  fs::create_directories(path.parent_path());
  fs::path tmp = path;
  tmp += ".tmp" + std::to_string(::getpid()) + "_" +
         std::to_string(std::hash<std::string>{}(a.sha256_hex));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(a.data.data(), static_cast<std::streamsize>(a.data.size()));
    out.flush();
    if (!out) throw std::runtime_error("cannot write attachment " + tmp.string());
  }
  fs::rename(tmp, path);
  return path.string();
}

void StoreAttachments(pg::Connection& conn, const std::string& tenant_id,
                      const std::string& storage_key, const IncomingEmail& email,
                      const EmailSettings& settings) {
  int position = 0;
  for (const auto& a : email.attachments) {
    std::string size = std::to_string(a.data.size());
    std::string type = a.content_type.empty() ? "application/octet-stream" : a.content_type;
    if (settings.attachments_dir.empty()) {
      conn.Exec(kInsertAttachmentInDb,
                {tenant_id, a.sha256_hex, size, type, mail::HexEncode(a.data)});
    } else {
      conn.Exec(kInsertAttachmentOnDisk, {tenant_id, a.sha256_hex, size, type,
                                          WriteAttachmentFile(settings.attachments_dir, a)});
    }
    conn.Exec(kLinkAttachment, {storage_key, std::to_string(position++), tenant_id, a.sha256_hex,
                                a.filename, type, a.content_id, a.is_inline ? "true" : "false"});
  }
}

void ApplyClassification(pg::Connection& conn, const std::string& tenant_id,
                         const Classification& c) {
  if (!c.delivery) return;
  const MatchedDelivery& d = *c.delivery;
  if (c.kind == InboundKind::kReply) {
    if (conn.Exec(kDeliveryReplied, {tenant_id, d.id}).affected() > 0) {
      BumpMetrics(conn, tenant_id, d.campaign_id, {{Metric::kReplies, 1}});
    }
    conn.Exec(kLeadReplied, {tenant_id, d.lead_id});
  } else if (c.kind == InboundKind::kAutoReply) {
    if (conn.Exec(kDeliveryAutoReplied, {tenant_id, d.id}).affected() > 0) {
      BumpMetrics(conn, tenant_id, d.campaign_id, {{Metric::kAutoReplies, 1}});
    }
  }
}
}  // namespace

StoredMessage StoreIncoming(pg::Connection& conn, const std::string& tenant_id,
                            const IncomingEmail& email, const Classification& classification,
                            const EmailSettings& settings, int64_t now_ms) {
  if (auto found = conn.Exec(kFind, {tenant_id, email.message_id}); found.rows() > 0) {
    return {.storage_key = found.Get(0, 0), .message_row_id = found.GetInt(0, 1), .created = false};
  }
  if (email.email_account_id &&
      conn.Exec(kAccountExists, {tenant_id, *email.email_account_id}).rows() == 0) {
    throw PermanentError("email account " + *email.email_account_id + " not found for this tenant");
  }
  std::string key = StorageKey(email.message_id, now_ms);
  nlohmann::json refs = email.references;
  std::optional<std::string> delivery_id;
  if (classification.delivery) delivery_id = classification.delivery->id;
  conn.Exec("BEGIN");
  try {
    conn.Exec(kLockMessage, {tenant_id, email.message_id});
    if (auto found = conn.Exec(kFind, {tenant_id, email.message_id}); found.rows() > 0) {
      conn.Exec("ROLLBACK");
      return {
          .storage_key = found.Get(0, 0), .message_row_id = found.GetInt(0, 1), .created = false};
    }
    conn.Exec(kInsertContent,
              {key, tenant_id, email.text.empty() ? email.html : email.text, email.html,
               email.headers.dump(), std::to_string(email.raw_size_bytes)});
    auto inserted = conn.Exec(
        kInsertMessage, {key, tenant_id, email.email_account_id, email.direction, email.type,
                         email.from, email.to, email.subject, email.message_id, email.in_reply_to,
                         refs.dump(), InboundKindName(classification.kind), delivery_id});
    if (inserted.rows() == 0) {
      // A concurrent run stored it first.
      conn.Exec("ROLLBACK");
      auto found = conn.Exec(kFind, {tenant_id, email.message_id});
      return {
          .storage_key = found.Get(0, 0), .message_row_id = found.GetInt(0, 1), .created = false};
    }
    StoreAttachments(conn, tenant_id, key, email, settings);
    ApplyClassification(conn, tenant_id, classification);
    conn.Exec("COMMIT");
    return {.storage_key = key, .message_row_id = inserted.GetInt(0, 0), .created = true};
  } catch (...) {
    try {
      conn.Exec("ROLLBACK");
    } catch (...) {
    }
    throw;
  }
}

}  // namespace postwork::handlers::email
