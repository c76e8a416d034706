#pragma once
// SQL for the operator surface (stats, dashboard, top), one named constant per
// statement. Everything here reads through indexes on status; nothing scans
// finished jobs.
namespace postwork::pg::queries {

// Per queue: jobs running, waiting for a later run_at (retries, delays,
// reschedules) and dead-lettered. Uses jobs_unfinished_idx.
inline constexpr const char* kCountsByQueue = R"SQL(
SELECT queue,
       count(*) FILTER (WHERE status = 'running') AS running,
       count(*) FILTER (WHERE status = 'retry_scheduled'
                           OR (status = 'queued' AND run_at > now())) AS scheduled,
       count(*) FILTER (WHERE status = 'failed') AS dead
FROM jobs
WHERE status IN ('running', 'retry_scheduled', 'failed', 'queued')
GROUP BY queue
ORDER BY queue)SQL";

// $1 id. Only finished jobs: a live one may still sit in a Redis list, and a
// worker popping it would create its row again.
inline constexpr const char* kDeleteFinished = R"SQL(
DELETE FROM jobs WHERE id = $1 AND status IN ('completed', 'failed'))SQL";

// $1 table name -> true when it exists in the search path.
inline constexpr const char* kTableExists = R"SQL(
SELECT to_regclass($1) IS NOT NULL)SQL";

// $1 limit. Campaigns with their sending progress (campaign_metrics), newest
// first, as JSON rows for the dashboard's campaigns page.
inline constexpr const char* kCampaigns = R"SQL(
SELECT row_to_json(c)::text FROM (
  SELECT cp.id, cp.tenant_id, cp.name, cp.status, cp.time_zone, cp.stop_on_reply, cp.created_at,
         COALESCE(m.sent, 0) AS sent, COALESCE(m.delivered, 0) AS delivered,
         COALESCE(m.hard_bounces, 0) AS hard_bounces, COALESCE(m.soft_bounces, 0) AS soft_bounces,
         COALESCE(m.replies, 0) AS replies, COALESCE(m.auto_replies, 0) AS auto_replies,
         COALESCE(m.suppressed, 0) AS suppressed, COALESCE(m.failed, 0) AS failed,
         (SELECT count(*) FROM leads l WHERE l.tenant_id = cp.tenant_id) AS tenant_leads
  FROM campaigns cp
  LEFT JOIN campaign_metrics m ON m.tenant_id = cp.tenant_id AND m.campaign_id = cp.id
  ORDER BY cp.created_at DESC LIMIT $1) c)SQL";

}  // namespace postwork::pg::queries
