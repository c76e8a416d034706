-- 0011_daily_stats: what queue:analytics:daily-aggregate writes (issue 5).
-- Rows are recomputed from the source tables for a whole day at a time and
-- written with upserts; keys with no activity left are deleted, so running a
-- day twice gives the same rows.

-- The day of a tenant's daily stats runs from local midnight to midnight here.
ALTER TABLE tenants ADD COLUMN IF NOT EXISTS time_zone text NOT NULL DEFAULT 'UTC';

-- One row per (local day, tenant, campaign, sending account). campaign_id ''
-- holds warmup figures of an account (warmup mail belongs to no campaign);
-- email_account_id '' what no account can be named for.
CREATE TABLE daily_stats (
  day               date        NOT NULL,
  tenant_id         text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  campaign_id       text        NOT NULL DEFAULT '',
  email_account_id  text        NOT NULL DEFAULT '',
  sent              bigint      NOT NULL DEFAULT 0,
  delivered         bigint      NOT NULL DEFAULT 0,
  hard_bounces      bigint      NOT NULL DEFAULT 0,
  soft_bounces      bigint      NOT NULL DEFAULT 0,
  replies           bigint      NOT NULL DEFAULT 0,
  auto_replies      bigint      NOT NULL DEFAULT 0,
  suppressed        bigint      NOT NULL DEFAULT 0,
  failed            bigint      NOT NULL DEFAULT 0,
  unsubscribes      bigint      NOT NULL DEFAULT 0,
  warmup_sent       bigint      NOT NULL DEFAULT 0,
  warmup_received   bigint      NOT NULL DEFAULT 0,
  warmup_inbox      bigint      NOT NULL DEFAULT 0,
  -- warmup_inbox / warmup_received in percent; NULL when nothing was received.
  warmup_inbox_rate numeric(5, 2),
  computed_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (day, tenant_id, campaign_id, email_account_id)
);

-- One row per (UTC day, queue), from job_executions and jobs.
CREATE TABLE daily_queue_stats (
  day             date        NOT NULL,
  queue           text        NOT NULL,
  processed       bigint      NOT NULL DEFAULT 0,  -- successful attempts
  failed          bigint      NOT NULL DEFAULT 0,  -- failed, timed-out or lost attempts
  dead_lettered   bigint      NOT NULL DEFAULT 0,  -- jobs that ended 'failed'
  avg_duration_ms numeric(12, 1),
  p95_duration_ms numeric(12, 1),
  computed_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (day, queue)
);

-- The aggregate reads a day's deliveries by their last change (every event
-- on a delivery sets updated_at).
CREATE INDEX email_deliveries_tenant_updated_idx ON email_deliveries (tenant_id, updated_at);
CREATE INDEX suppressions_tenant_created_idx ON suppressions (tenant_id, created_at)
  WHERE reason = 'unsubscribe';
