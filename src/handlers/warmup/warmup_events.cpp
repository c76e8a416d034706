#include "handlers/warmup/warmup_events.hpp"

namespace postwork::handlers::warmup {
namespace {
// No conflict target: either unique index (the event, or the placement) makes
// a repeat a no-op.
constexpr const char* kRecord = R"SQL(
INSERT INTO warmup_events (tenant_id, email_account_id, type, message_id, peer_account_id, folder,
                           job_id, details)
VALUES ($1, $2, $3, $4, nullif($5, ''), nullif($6, ''), nullif($7, ''), $8::jsonb)
ON CONFLICT DO NOTHING RETURNING id)SQL";

constexpr const char* kHas = R"SQL(
SELECT 1 FROM warmup_events
WHERE tenant_id = $1 AND email_account_id = $2 AND type = $3 AND message_id = $4)SQL";
}  // namespace

bool RecordEvent(pg::Connection& conn, const WarmupEvent& e) {
  return conn.Exec(kRecord, {e.tenant_id, e.account_id, e.type, e.message_id, e.peer_account_id,
                             e.folder, e.job_id, e.details.dump()})
             .rows() > 0;
}

bool HasEvent(pg::Connection& conn, const std::string& tenant_id, const std::string& account_id,
              const std::string& type, const std::string& message_id) {
  return conn.Exec(kHas, {tenant_id, account_id, type, message_id}).rows() > 0;
}

}  // namespace postwork::handlers::warmup
