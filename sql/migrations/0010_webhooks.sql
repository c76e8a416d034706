-- 0010_webhooks: customer webhook endpoints, the events fanned out to them and
-- one row per delivery attempt (issue 5). Tenant-scoped like 0002: every
-- reference carries tenant_id, so an event can never reach another tenant's
-- endpoint whatever a job payload says.

-- secret_enc is an AES-256-GCM ciphertext under the account key
-- ("v1:<keyid>:...", src/mail/secret_box.hpp), rotated by `postwork secrets rotate`.
-- event_types: the types this endpoint receives ('{}' = none; '{*}' = every type).
CREATE TABLE webhook_endpoints (
  id              text        PRIMARY KEY DEFAULT gen_random_uuid()::text,
  tenant_id       text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  url             text        NOT NULL,
  secret_enc      text        NOT NULL,
  event_types     text[]      NOT NULL DEFAULT '{}',
  active          boolean     NOT NULL DEFAULT true,
  disabled_reason text,
  disabled_at     timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id)
);
-- The publisher's one lookup per event: a tenant's active endpoints.
CREATE INDEX webhook_endpoints_tenant_active_idx ON webhook_endpoints (tenant_id) WHERE active;

-- One row per published event that had at least one subscribed endpoint. The
-- id is derived from what caused the event, so a retried handler publishing
-- again finds its first row (ON CONFLICT DO NOTHING) and receivers see one id.
CREATE TABLE webhook_events (
  id         text        PRIMARY KEY,
  tenant_id  text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  type       text        NOT NULL,
  data       jsonb       NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id)
);
CREATE INDEX webhook_events_tenant_created_idx ON webhook_events (tenant_id, created_at DESC);

-- One row per attempt of one event to one endpoint.
--   outcome: delivered / retry / disable / permanent (webhook::DeliveryKind), or
--            skipped (endpoint inactive or gone; no request was made)
CREATE TABLE webhook_deliveries (
  id          bigserial   PRIMARY KEY,
  tenant_id   text        NOT NULL,
  event_id    text        NOT NULL,
  endpoint_id text        NOT NULL,
  job_id      text,
  attempt     integer     NOT NULL,
  status_code integer,
  latency_ms  integer     NOT NULL DEFAULT 0,
  error       text,
  outcome     text        NOT NULL
              CHECK (outcome IN ('delivered', 'retry', 'disable', 'permanent', 'skipped')),
  at          timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (tenant_id, event_id) REFERENCES webhook_events (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (tenant_id, event_id, endpoint_id);
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (tenant_id, endpoint_id, at DESC);

-- Unsubscribes per campaign (the one-click endpoint), next to the other counters.
ALTER TABLE campaign_metrics ADD COLUMN unsubscribes bigint NOT NULL DEFAULT 0;

-- campaign.completed is published once per campaign: the first finisher that
-- sees no pending send left stamps this column (UPDATE ... WHERE IS NULL).
ALTER TABLE campaigns ADD COLUMN completed_event_at timestamptz;

-- "Does this campaign still have a send waiting?" (campaign.completed): an
-- index over live send jobs only, so the check stays one index probe however
-- many sends the campaign had.
CREATE INDEX jobs_pending_sends_campaign_idx ON jobs (tenant_id, (payload->>'campaign_id'))
  WHERE status IN ('queued', 'retry_scheduled', 'running') AND queue LIKE 'queue:email-sending%';

-- Which campaign's link an unsubscribe came through (daily unsubscribes per campaign).
ALTER TABLE suppressions ADD COLUMN campaign_id text;
