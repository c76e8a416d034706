#pragma once
// webhook_endpoints, webhook_events and webhook_deliveries (migration 0010).
// Every statement is scoped to one tenant.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "handlers/email_common/email_settings.hpp"
#include "pg/connection.hpp"

namespace postwork::handlers::webhook {

struct NewEndpoint {
  std::string tenant_id;
  std::string url;
  std::string secret;                    // plain; stored encrypted under the account key
  std::vector<std::string> event_types;  // "*" = every type
};

struct StoredEndpoint {
  std::string id;
  std::string url;
  std::string secret_enc;
  bool active = false;
};

struct StoredEvent {
  std::string id;
  std::string type;
  int64_t created_at_s = 0;  // epoch seconds
  nlohmann::json data;
};

struct DeliveryAttempt {
  std::string tenant_id, event_id, endpoint_id, job_id;
  int attempt = 1;
  int status_code = 0;  // 0 = no HTTP response
  int64_t latency_ms = 0;
  std::string error;
  std::string outcome;  // delivered / retry / disable / permanent / skipped
};

// Encrypts the secret (mail::SecretError without a key) and returns the new id.
std::string CreateEndpoint(pg::Connection& conn, const email::EmailSettings& keys,
                           const NewEndpoint& endpoint);
// Ids of the tenant's active endpoints subscribed to `type`: one indexed query.
std::vector<std::string> SubscribedEndpoints(pg::Connection& conn, const std::string& tenant_id,
                                             const std::string& type);
std::optional<StoredEndpoint> FindEndpoint(pg::Connection& conn, const std::string& tenant_id,
                                           const std::string& endpoint_id);
// Returns true when this call disabled it (it was active).
bool DisableEndpoint(pg::Connection& conn, const std::string& tenant_id,
                     const std::string& endpoint_id, const std::string& reason);

// ON CONFLICT DO NOTHING: the first publication of an event id wins.
void StoreEvent(pg::Connection& conn, const std::string& tenant_id, const std::string& event_id,
                const std::string& type, const nlohmann::json& data);
std::optional<StoredEvent> FindEvent(pg::Connection& conn, const std::string& tenant_id,
                                     const std::string& event_id);

void RecordAttempt(pg::Connection& conn, const DeliveryAttempt& attempt);

}  // namespace postwork::handlers::webhook
