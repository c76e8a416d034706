#pragma once
// The daily aggregate's statements. Each takes $1 = the day ('YYYY-MM-DD'),
// recomputes that day from the source tables in one set-based statement,
// upserts the rows with activity and deletes the day's rows that no longer
// have any, and returns (rows written, rows deleted).
namespace postwork::handlers::analytics::queries {

// Each tenant's day runs from local midnight to local midnight (tenants.time_zone).
#define POSTWORK_TENANT_DAY_BOUNDS                                                     \
  "bounds AS (SELECT id AS tenant_id, ($1::date)::timestamp AT TIME ZONE time_zone AS lo, " \
  "($1::date + 1)::timestamp AT TIME ZONE time_zone AS hi FROM tenants)"

// Campaign rows (campaign_id <> ''): deliveries by the time of each event on
// them, unsubscribes by the time of the suppression, attributed to the
// account that last mailed the lead in that campaign.
inline constexpr const char* kCampaignStats = "WITH " POSTWORK_TENANT_DAY_BOUNDS R"SQL(,
deliveries AS (
  SELECT d.tenant_id, d.campaign_id, coalesce(d.email_account_id, '') AS email_account_id,
    count(*) FILTER (WHERE d.sent_at >= b.lo AND d.sent_at < b.hi) AS sent,
    count(*) FILTER (WHERE d.sent_at >= b.lo AND d.sent_at < b.hi AND d.bounce_type IS NULL) AS delivered,
    count(*) FILTER (WHERE d.bounced_at >= b.lo AND d.bounced_at < b.hi AND d.bounce_type = 'hard') AS hard_bounces,
    count(*) FILTER (WHERE d.bounced_at >= b.lo AND d.bounced_at < b.hi AND d.bounce_type = 'soft') AS soft_bounces,
    count(*) FILTER (WHERE d.replied_at >= b.lo AND d.replied_at < b.hi) AS replies,
    count(*) FILTER (WHERE d.auto_replied_at >= b.lo AND d.auto_replied_at < b.hi) AS auto_replies,
    count(*) FILTER (WHERE d.status = 'suppressed' AND d.updated_at >= b.lo AND d.updated_at < b.hi) AS suppressed,
    count(*) FILTER (WHERE d.status = 'failed' AND d.updated_at >= b.lo AND d.updated_at < b.hi) AS failed
  FROM email_deliveries d JOIN bounds b ON b.tenant_id = d.tenant_id
  WHERE d.updated_at >= b.lo  -- every event on a delivery sets updated_at
  GROUP BY 1, 2, 3
), unsubscribes AS (
  SELECT s.tenant_id, s.campaign_id, coalesce(last.email_account_id, '') AS email_account_id,
         count(*) AS unsubscribes
  FROM suppressions s JOIN bounds b ON b.tenant_id = s.tenant_id
  LEFT JOIN leads l ON l.tenant_id = s.tenant_id AND lower(l.email) = s.email
  LEFT JOIN LATERAL (
    SELECT x.email_account_id FROM email_deliveries x
    WHERE x.tenant_id = s.tenant_id AND x.lead_id = l.id AND x.campaign_id = s.campaign_id
    ORDER BY x.created_at DESC LIMIT 1) last ON true
  WHERE s.reason = 'unsubscribe' AND s.campaign_id IS NOT NULL
    AND s.created_at >= b.lo AND s.created_at < b.hi
  GROUP BY 1, 2, 3
), merged AS (
  SELECT tenant_id, campaign_id, email_account_id,
    coalesce(sent, 0) AS sent, coalesce(delivered, 0) AS delivered,
    coalesce(hard_bounces, 0) AS hard_bounces, coalesce(soft_bounces, 0) AS soft_bounces,
    coalesce(replies, 0) AS replies, coalesce(auto_replies, 0) AS auto_replies,
    coalesce(suppressed, 0) AS suppressed, coalesce(failed, 0) AS failed,
    coalesce(unsubscribes, 0) AS unsubscribes
  FROM deliveries FULL JOIN unsubscribes USING (tenant_id, campaign_id, email_account_id)
), upserted AS (
  INSERT INTO daily_stats AS s (day, tenant_id, campaign_id, email_account_id, sent, delivered,
    hard_bounces, soft_bounces, replies, auto_replies, suppressed, failed, unsubscribes, computed_at)
  SELECT $1::date, tenant_id, campaign_id, email_account_id, sent, delivered, hard_bounces,
    soft_bounces, replies, auto_replies, suppressed, failed, unsubscribes, now()
  FROM merged
  WHERE sent + delivered + hard_bounces + soft_bounces + replies + auto_replies + suppressed
        + failed + unsubscribes > 0
  ON CONFLICT (day, tenant_id, campaign_id, email_account_id) DO UPDATE SET
    sent = EXCLUDED.sent, delivered = EXCLUDED.delivered, hard_bounces = EXCLUDED.hard_bounces,
    soft_bounces = EXCLUDED.soft_bounces, replies = EXCLUDED.replies,
    auto_replies = EXCLUDED.auto_replies, suppressed = EXCLUDED.suppressed,
    failed = EXCLUDED.failed, unsubscribes = EXCLUDED.unsubscribes, computed_at = now()
  RETURNING tenant_id, campaign_id, email_account_id
), deleted AS (
  DELETE FROM daily_stats s
  WHERE s.day = $1::date AND s.campaign_id <> ''
    AND NOT EXISTS (SELECT 1 FROM upserted u WHERE u.tenant_id = s.tenant_id
                    AND u.campaign_id = s.campaign_id AND u.email_account_id = s.email_account_id)
  RETURNING 1
)
SELECT (SELECT count(*) FROM upserted), (SELECT count(*) FROM deleted))SQL";

// Whether warmup_events (migration 0012, the warmup handler) exists with the
// columns kWarmupStats reads.
inline constexpr const char* kWarmupAvailable = R"SQL(
SELECT to_regclass('warmup_events') IS NOT NULL AND (
  SELECT count(*) FROM information_schema.columns
  WHERE table_schema = current_schema() AND table_name = 'warmup_events'
    AND column_name IN ('tenant_id', 'email_account_id', 'type', 'at')) = 4)SQL";

// Warmup rows (campaign_id = ''): per account, warmup mail sent, received and
// found in the inbox (warmup_events.type 'sent' / 'received' / 'landed_inbox').
inline constexpr const char* kWarmupStats = "WITH " POSTWORK_TENANT_DAY_BOUNDS R"SQL(,
w AS (
  SELECT e.tenant_id, coalesce(e.email_account_id, '') AS email_account_id,
    count(*) FILTER (WHERE e.type = 'sent') AS sent,
    count(*) FILTER (WHERE e.type = 'received') AS received,
    count(*) FILTER (WHERE e.type = 'landed_inbox') AS inbox
  FROM warmup_events e JOIN bounds b ON b.tenant_id = e.tenant_id
  WHERE e.at >= b.lo AND e.at < b.hi
  GROUP BY 1, 2
), upserted AS (
  INSERT INTO daily_stats (day, tenant_id, campaign_id, email_account_id, warmup_sent,
    warmup_received, warmup_inbox, warmup_inbox_rate, computed_at)
  SELECT $1::date, tenant_id, '', email_account_id, sent, received, inbox,
    CASE WHEN received > 0 THEN round(100.0 * inbox / received, 2) END, now()
  FROM w WHERE sent + received > 0
  ON CONFLICT (day, tenant_id, campaign_id, email_account_id) DO UPDATE SET
    warmup_sent = EXCLUDED.warmup_sent, warmup_received = EXCLUDED.warmup_received,
    warmup_inbox = EXCLUDED.warmup_inbox, warmup_inbox_rate = EXCLUDED.warmup_inbox_rate,
    computed_at = now()
  RETURNING tenant_id, email_account_id
), deleted AS (
  DELETE FROM daily_stats s
  WHERE s.day = $1::date AND s.campaign_id = ''
    AND NOT EXISTS (SELECT 1 FROM upserted u WHERE u.tenant_id = s.tenant_id
                    AND u.email_account_id = s.email_account_id)
  RETURNING 1
)
SELECT (SELECT count(*) FROM upserted), (SELECT count(*) FROM deleted))SQL";

// Per queue, the UTC day: attempts by how they ended (interrupted and
// rescheduled attempts are neither), durations of the attempts that ran to an
// outcome, jobs dead-lettered.
inline constexpr const char* kQueueStats = R"SQL(
WITH day AS (
  SELECT ($1::date)::timestamp AT TIME ZONE 'UTC' AS lo, ($1::date + 1)::timestamp AT TIME ZONE 'UTC' AS hi
), attempts AS (
  SELECT j.queue,
    count(*) FILTER (WHERE x.status = 'success') AS processed,
    count(*) FILTER (WHERE x.status IN ('failed', 'timeout', 'lost')) AS failed,
    round(avg(x.duration_ms) FILTER (WHERE x.status IN ('success', 'failed', 'timeout')), 1) AS avg_ms,
    round((percentile_cont(0.95) WITHIN GROUP (ORDER BY x.duration_ms)
           FILTER (WHERE x.status IN ('success', 'failed', 'timeout')))::numeric, 1) AS p95_ms
  FROM job_executions x JOIN jobs j ON j.id = x.job_id, day
  WHERE x.finished_at >= day.lo AND x.finished_at < day.hi
  GROUP BY j.queue
), dead AS (
  SELECT queue, count(*) AS dead_lettered FROM jobs, day
  WHERE status = 'failed' AND completed_at >= day.lo AND completed_at < day.hi
  GROUP BY queue
), upserted AS (
  INSERT INTO daily_queue_stats (day, queue, processed, failed, dead_lettered, avg_duration_ms,
    p95_duration_ms, computed_at)
  SELECT $1::date, queue, coalesce(processed, 0), coalesce(failed, 0), coalesce(dead_lettered, 0),
    avg_ms, p95_ms, now()
  FROM attempts FULL JOIN dead USING (queue)
  ON CONFLICT (day, queue) DO UPDATE SET
    processed = EXCLUDED.processed, failed = EXCLUDED.failed,
    dead_lettered = EXCLUDED.dead_lettered, avg_duration_ms = EXCLUDED.avg_duration_ms,
    p95_duration_ms = EXCLUDED.p95_duration_ms, computed_at = now()
  RETURNING queue
), deleted AS (
  DELETE FROM daily_queue_stats s
  WHERE s.day = $1::date AND s.queue NOT IN (SELECT queue FROM upserted)
  RETURNING 1
)
SELECT (SELECT count(*) FROM upserted), (SELECT count(*) FROM deleted))SQL";

#undef POSTWORK_TENANT_DAY_BOUNDS

}  // namespace postwork::handlers::analytics::queries
