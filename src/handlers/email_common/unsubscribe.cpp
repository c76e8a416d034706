#include "handlers/email_common/unsubscribe.hpp"

#include "handlers/email_common/campaign_metrics.hpp"
#include "handlers/email_common/email_events.hpp"
#include "handlers/email_common/pending_sends.hpp"

namespace postwork::handlers::email {
namespace {
constexpr const char* kLockLead = R"SQL(
SELECT lower(email), status FROM leads WHERE tenant_id = $1 AND id = $2 FOR UPDATE)SQL";

constexpr const char* kSuppress = R"SQL(
INSERT INTO suppressions (tenant_id, email, reason, detail, campaign_id)
VALUES ($1, $2, 'unsubscribe', 'one-click unsubscribe link', NULLIF($3, ''))
ON CONFLICT (tenant_id, email) DO NOTHING)SQL";

constexpr const char* kLeadUnsubscribed = R"SQL(
UPDATE leads SET status = 'unsubscribed', updated_at = now()
WHERE tenant_id = $1 AND id = $2 AND status <> 'unsubscribed')SQL";

constexpr const char* kCampaignExists = "SELECT 1 FROM campaigns WHERE tenant_id = $1 AND id = $2";
}  // namespace

UnsubscribeOutcome ApplyUnsubscribe(pg::Connection& conn, const std::string& redis_url,
                                    const webhook::EventPublisher* events,
                                    const UnsubscribeSubject& s) {
  std::string address;
  UnsubscribeOutcome out = pg::InTransaction(conn, [&] {
    UnsubscribeOutcome o;
    auto lead = conn.Exec(kLockLead, {s.tenant_id, s.lead_id});
    if (lead.rows() == 0) return o;
    o.lead_found = true;
    address = lead.Get(0, 0);
    conn.Exec(kSuppress, {s.tenant_id, address, s.campaign_id});
    o.changed = conn.Exec(kLeadUnsubscribed, {s.tenant_id, s.lead_id}).affected() > 0;
    // Every campaign: the suppression is tenant-wide.
    o.cancelled_sends = CancelPendingSends(
        conn, redis_url, {.tenant_id = s.tenant_id, .lead_id = s.lead_id, .reason = "lead unsubscribed"});
    if (o.changed && !s.campaign_id.empty() &&
        conn.Exec(kCampaignExists, {s.tenant_id, s.campaign_id}).rows() > 0) {
      BumpMetrics(conn, s.tenant_id, s.campaign_id, {{Metric::kUnsubscribes, 1}});
    }
    return o;
  });
  if (out.lead_found) {
    PublishUnsubscribed(events, {.tenant_id = s.tenant_id,
                                 .lead_id = s.lead_id,
                                 .campaign_id = s.campaign_id,
                                 .email = address});
  }
  return out;
}

}  // namespace postwork::handlers::email
