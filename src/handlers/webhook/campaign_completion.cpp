#include "handlers/webhook/campaign_completion.hpp"

#include <algorithm>

#include "core/thread_client.hpp"

namespace postwork::handlers::webhook {
namespace {
// Both use jobs_pending_sends_campaign_idx (migration 0010).
// A send scheduled for later (a later step, the next sending window, a retry)
// will ask for its own check when it ends. A send that is due may be running
// right now while PostgreSQL still says queued (a short job's running mark is
// never written) or have finished with its outcome not yet written: it cannot
// be told apart from a waiting one, so it does not stop the check.
constexpr const char* kLaterSends = R"SQL(
SELECT EXISTS (
  SELECT 1 FROM jobs
  WHERE tenant_id = $1 AND payload->>'campaign_id' = $2 AND id <> $3
    AND status IN ('queued', 'retry_scheduled') AND queue LIKE 'queue:email-sending%'
    AND run_at > now()))SQL";

constexpr const char* kPendingSends = R"SQL(
SELECT EXISTS (
  SELECT 1 FROM jobs
  WHERE tenant_id = $1 AND payload->>'campaign_id' = $2
    AND status IN ('queued', 'retry_scheduled', 'running') AND queue LIKE 'queue:email-sending%'))SQL";

// The first completion is kept; later checks of a complete campaign return it again.
constexpr const char* kStampCompleted = R"SQL(
UPDATE campaigns SET completed_event_at = coalesce(completed_event_at, now())
WHERE tenant_id = $1 AND id = $2
RETURNING name, to_char(completed_event_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
  (SELECT coalesce(jsonb_build_object('sent', m.sent, 'delivered', m.delivered,
     'hard_bounces', m.hard_bounces, 'soft_bounces', m.soft_bounces, 'replies', m.replies,
     'auto_replies', m.auto_replies, 'suppressed', m.suppressed, 'skipped', m.skipped,
     'failed', m.failed, 'unknown', m.unknown, 'unsubscribes', m.unsubscribes), '{}'::jsonb)::text
   FROM campaign_metrics m WHERE m.tenant_id = $1 AND m.campaign_id = $2))SQL";
}  // namespace

void RequestCampaignCheck(pg::Connection& conn, const EventPublisher& events,
                          const std::string& tenant_id, const std::string& campaign_id,
                          const std::string& finished_job_id) {
  if (!events.HasSubscribers(tenant_id, kCampaignCompleted)) return;
  if (conn.Exec(kLaterSends, {tenant_id, campaign_id, finished_job_id}).Get(0, 0) == "t") return;
  // One check per campaign per time bucket (of the check delay), run a full
  // delay after its bucket ends: every send that asked for it has had its
  // outcome written by then, and a campaign whose sends end together gets one
  // check, not one per send.
  const auto& o = events.options();
  const int64_t bucket_ms = std::max<int64_t>(1, o.settings.campaign_check_delay.count());
  const int64_t bucket = o.clock->NowMs() / bucket_ms;
  core::ThreadClient(o.redis_url, o.database_url)
      .Enqueue(kWebhookQueue, {{"check", kCampaignCompleted}, {"campaign_id", campaign_id}},
               {.run_at_ms = (bucket + 1) * bucket_ms + o.settings.campaign_check_delay.count(),
                .tenant_id = tenant_id,
                .id = "campaign-check:" + campaign_id + ":" + std::to_string(bucket)});
}

Outcome RunCampaignCheck(pg::Connection& conn, const EventPublisher& events,
                         const std::string& tenant_id, const std::string& campaign_id) {
  if (conn.Exec(kPendingSends, {tenant_id, campaign_id}).Get(0, 0) == "t") {
    return Outcome::Completed({{"success", true}, {"complete", false}});
  }
  auto r = conn.Exec(kStampCompleted, {tenant_id, campaign_id});
  if (r.rows() == 0)
    return Outcome::Completed({{"success", true}, {"skipped", "no such campaign"}});
  nlohmann::json metrics =
      r.IsNull(0, 2) ? nlohmann::json::object() : nlohmann::json::parse(r.Get(0, 2));
  auto published = events.Publish(tenant_id, kCampaignCompleted,
                                  {{"campaign_id", campaign_id},
                                   {"name", r.Get(0, 0)},
                                   {"completed_at", r.Get(0, 1)},
                                   {"metrics", metrics}},
                                  EventId(kCampaignCompleted, tenant_id, campaign_id));
  return Outcome::Completed(
      {{"success", true}, {"complete", true}, {"eventId", published.event_id}});
}

}  // namespace postwork::handlers::webhook
