#include "handlers/email_common/pending_sends.hpp"

#include <map>
#include <memory>

#include "redis/broker.hpp"
#include "redis/url.hpp"

namespace postwork::handlers::email {
namespace {
// Sends are matched on the seed's payload fields; the tenant is the job's.
constexpr const char* kCancelSql = R"SQL(
UPDATE jobs SET status = 'cancelled', completed_at = now(), updated_at = now(), last_error = $4
WHERE tenant_id = $1 AND status IN ('queued', 'retry_scheduled')
  AND queue LIKE 'queue:email-sending%'
  AND payload->>'recipient_id' = $2
  AND ($3::text IS NULL OR payload->>'campaign_id' = $3)
  AND id <> $5
RETURNING id, queue)SQL";

// One broker per Redis URL and thread; the job's queue picks the shard.
redis::Broker& ThreadBroker(const std::string& url) {
  thread_local std::map<std::string, std::unique_ptr<redis::Broker>> brokers;
  auto& b = brokers[url];
  if (!b) b = std::make_unique<redis::Broker>(redis::ParseRedisUrl(url));
  return *b;
}
}  // namespace

int CancelPendingSends(pg::Connection& conn, const std::string& redis_url,
                       const PendingSendFilter& f) {
  auto rows = conn.Exec(kCancelSql, {f.tenant_id, f.lead_id, f.campaign_id,
                                     "cancelled: " + f.reason, f.exclude_job_id});
  if (rows.rows() == 0 || redis_url.empty()) return rows.rows();
  for (int i = 0; i < rows.rows(); ++i) {
    ThreadBroker(redis_url).MarkCancelled(rows.Get(i, 0), rows.Get(i, 1));
  }
  return rows.rows();
}

}  // namespace postwork::handlers::email
