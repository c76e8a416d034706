#include "handlers/webhook/endpoint_store.hpp"

#include "handlers/email_common/secrets.hpp"
#include "mail/secret_box.hpp"

namespace postwork::handlers::webhook {
namespace {
constexpr const char* kInsertEndpoint = R"SQL(
INSERT INTO webhook_endpoints (tenant_id, url, secret_enc, event_types)
VALUES ($1, $2, $3, ARRAY(SELECT jsonb_array_elements_text($4::jsonb))) RETURNING id)SQL";

constexpr const char* kSubscribed = R"SQL(
SELECT id FROM webhook_endpoints
WHERE tenant_id = $1 AND active AND ($2 = ANY (event_types) OR '*' = ANY (event_types))
ORDER BY id)SQL";

constexpr const char* kFindEndpoint = R"SQL(
SELECT id, url, secret_enc, active FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2)SQL";

constexpr const char* kDisable = R"SQL(
UPDATE webhook_endpoints SET active = false, disabled_reason = $3, disabled_at = now(),
                             updated_at = now()
WHERE tenant_id = $1 AND id = $2 AND active)SQL";

constexpr const char* kInsertEvent = R"SQL(
INSERT INTO webhook_events (id, tenant_id, type, data) VALUES ($2, $1, $3, $4::jsonb)
ON CONFLICT (id) DO NOTHING)SQL";

constexpr const char* kFindEvent = R"SQL(
SELECT id, type, floor(extract(epoch FROM created_at))::bigint, data::text
FROM webhook_events WHERE tenant_id = $1 AND id = $2)SQL";

constexpr const char* kInsertAttempt = R"SQL(
INSERT INTO webhook_deliveries (tenant_id, event_id, endpoint_id, job_id, attempt, status_code,
                                latency_ms, error, outcome)
VALUES ($1, $2, $3, $4, $5, NULLIF($6::int, 0), $7, NULLIF($8, ''), $9))SQL";
}  // namespace

std::string CreateEndpoint(pg::Connection& conn, const email::EmailSettings& keys,
                           const NewEndpoint& e) {
  std::string enc = mail::Encrypt(email::AccountSecretKey(keys), e.secret);
  return conn
      .Exec(kInsertEndpoint,
            {e.tenant_id, e.url, enc, nlohmann::json(e.event_types).dump()})
      .Get(0, 0);
}

std::vector<std::string> SubscribedEndpoints(pg::Connection& conn, const std::string& tenant_id,
                                             const std::string& type) {
  auto r = conn.Exec(kSubscribed, {tenant_id, type});
  std::vector<std::string> ids;
  for (int i = 0; i < r.rows(); ++i) ids.push_back(r.Get(i, 0));
  return ids;
}

std::optional<StoredEndpoint> FindEndpoint(pg::Connection& conn, const std::string& tenant_id,
                                           const std::string& endpoint_id) {
  auto r = conn.Exec(kFindEndpoint, {tenant_id, endpoint_id});
  if (r.rows() == 0) return std::nullopt;
  return StoredEndpoint{
      .id = r.Get(0, 0), .url = r.Get(0, 1), .secret_enc = r.Get(0, 2), .active = r.Get(0, 3) == "t"};
}

bool DisableEndpoint(pg::Connection& conn, const std::string& tenant_id,
                     const std::string& endpoint_id, const std::string& reason) {
  return conn.Exec(kDisable, {tenant_id, endpoint_id, reason}).affected() > 0;
}

void StoreEvent(pg::Connection& conn, const std::string& tenant_id, const std::string& event_id,
                const std::string& type, const nlohmann::json& data) {
  conn.Exec(kInsertEvent, {tenant_id, event_id, type, data.dump()});
}

std::optional<StoredEvent> FindEvent(pg::Connection& conn, const std::string& tenant_id,
                                     const std::string& event_id) {
  auto r = conn.Exec(kFindEvent, {tenant_id, event_id});
  if (r.rows() == 0) return std::nullopt;
  return StoredEvent{.id = r.Get(0, 0),
                     .type = r.Get(0, 1),
                     .created_at_s = r.GetInt(0, 2),
                     .data = nlohmann::json::parse(r.Get(0, 3))};
}

void RecordAttempt(pg::Connection& conn, const DeliveryAttempt& a) {
  conn.Exec(kInsertAttempt,
            {a.tenant_id, a.event_id, a.endpoint_id, a.job_id, std::to_string(a.attempt),
             std::to_string(a.status_code), std::to_string(a.latency_ms), a.error, a.outcome});
}

}  // namespace postwork::handlers::webhook
