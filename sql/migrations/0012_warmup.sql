-- 0012_warmup: mailbox warmup (issue 5). Takes the email domain of 0002 (the
-- IMAP settings of an account are already columns of email_accounts there).
--   warmup_configs        one row per account in the warmup pool: the ramp and the window
--   warmup_sends          the idempotency record of every warmup SMTP transaction
--   warmup_events         what happened, once per (account, type, message)
--   warmup_account_stats  per-account figures and the inbox-placement rate (a view)
-- See docs/warmup.md.

CREATE TABLE warmup_configs (
  id                     text        PRIMARY KEY DEFAULT gen_random_uuid()::text,
  tenant_id              text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  email_account_id       text        NOT NULL UNIQUE,
  enabled                boolean     NOT NULL DEFAULT true,
  -- The ramp: start_volume on ramp_start_date, + daily_increment each day, at
  -- most max_per_day; each day's figure moves by up to +/- daily_variance_pct.
  start_volume           integer     NOT NULL DEFAULT 5 CHECK (start_volume >= 0),
  daily_increment        integer     NOT NULL DEFAULT 2 CHECK (daily_increment >= 0),
  max_per_day            integer     NOT NULL DEFAULT 40 CHECK (max_per_day >= 0),
  daily_variance_pct     integer     NOT NULL DEFAULT 0 CHECK (daily_variance_pct BETWEEN 0 AND 100),
  ramp_start_date        date        NOT NULL DEFAULT current_date,
  -- Share of received warmup emails answered by the engagement step.
  reply_rate_pct         integer     NOT NULL DEFAULT 30 CHECK (reply_rate_pct BETWEEN 0 AND 100),
  -- Sending window: ISO weekdays (1 = Monday), hours [start, end) in time_zone.
  window_days            integer[]   NOT NULL DEFAULT '{1,2,3,4,5}',
  window_start_hour      integer     NOT NULL DEFAULT 8 CHECK (window_start_hour BETWEEN 0 AND 23),
  window_end_hour        integer     NOT NULL DEFAULT 18 CHECK (window_end_hour BETWEEN 1 AND 24),
  time_zone              text        NOT NULL DEFAULT 'UTC',
  -- Inbox checks (each followed by an engagement run) spread over the window.
  inbound_checks_per_day integer     NOT NULL DEFAULT 4 CHECK (inbound_checks_per_day BETWEEN 0 AND 48),
  paused_at              timestamptz,
  paused_reason          text,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  CHECK (window_start_hour < window_end_hour),
  UNIQUE (tenant_id, email_account_id),
  FOREIGN KEY (tenant_id, email_account_id) REFERENCES email_accounts (tenant_id, id) ON DELETE CASCADE
);

-- One row per warmup SMTP transaction, committed as 'sending' before the first
-- byte goes to the server (as email_deliveries does for campaigns). claim_key
-- names the action: 'job:<job id>' for an outbound send, 'reply:<message id>'
-- for a reply, so a retried or duplicated job never sends twice.
CREATE TABLE warmup_sends (
  id               text        PRIMARY KEY DEFAULT gen_random_uuid()::text,
  tenant_id        text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  email_account_id text        NOT NULL,
  kind             text        NOT NULL CHECK (kind IN ('outbound', 'reply')),
  claim_key        text        NOT NULL,
  job_id           text        NOT NULL,
  peer_account_id  text,
  to_email         text        NOT NULL,
  message_id       text        NOT NULL,
  status           text        NOT NULL CHECK (status IN ('sending', 'sent', 'deferred', 'failed', 'unknown')),
  provider_response text,
  last_error       text,
  claimed_at       timestamptz NOT NULL DEFAULT now(),
  sent_at          timestamptz,
  UNIQUE (email_account_id, claim_key),
  FOREIGN KEY (tenant_id, email_account_id) REFERENCES email_accounts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX warmup_sends_message_idx ON warmup_sends (tenant_id, message_id);

-- The log of warmup actions. email_account_id is the account that acted or
-- whose mailbox was looked at; peer_account_id the other side (for landed_*
-- events: the sender, whose inbox placement they measure). message_id is the
-- warmup message concerned, without <>.
CREATE TABLE warmup_events (
  id               bigserial   PRIMARY KEY,
  tenant_id        text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  email_account_id text        NOT NULL,
  type             text        NOT NULL CHECK (type IN ('sent', 'received', 'landed_inbox',
                                 'landed_spam', 'rescued', 'replied', 'bounced', 'paused')),
  message_id       text        NOT NULL,
  peer_account_id  text,
  folder           text,
  job_id           text,
  details          jsonb       NOT NULL DEFAULT '{}',
  at               timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (tenant_id, email_account_id) REFERENCES email_accounts (tenant_id, id) ON DELETE CASCADE
);
-- Re-running an action records nothing new: one event per (account, type,
-- message), and one placement (inbox or spam, whichever was seen first).
CREATE UNIQUE INDEX warmup_events_once_idx ON warmup_events (email_account_id, type, message_id);
CREATE UNIQUE INDEX warmup_events_placement_idx ON warmup_events (email_account_id, message_id)
  WHERE type IN ('landed_inbox', 'landed_spam');
CREATE INDEX warmup_events_message_idx ON warmup_events (tenant_id, message_id);
CREATE INDEX warmup_events_peer_idx ON warmup_events (peer_account_id, type);

-- Per-account figures. sent/received/replies/bounces count the account's own
-- actions; inbox/spam count where the account's sent mail landed in its peers'
-- mailboxes, and inbox_placement_rate = inbox / (inbox + spam) (NULL before
-- any placement was seen).
CREATE VIEW warmup_account_stats AS
SELECT c.tenant_id,
       c.email_account_id,
       a.email,
       c.enabled,
       c.paused_at,
       c.paused_reason,
       coalesce(own.sent, 0)     AS sent,
       coalesce(own.received, 0) AS received,
       coalesce(own.replies, 0)  AS replies,
       coalesce(own.rescued, 0)  AS rescued,
       coalesce(own.bounced, 0)  AS bounced,
       coalesce(placed.inbox, 0) AS inbox,
       coalesce(placed.spam, 0)  AS spam,
       round(placed.inbox::numeric / nullif(placed.inbox + placed.spam, 0), 4) AS inbox_placement_rate
FROM warmup_configs c
JOIN email_accounts a ON a.tenant_id = c.tenant_id AND a.id = c.email_account_id
LEFT JOIN LATERAL (
  SELECT count(*) FILTER (WHERE e.type = 'sent')     AS sent,
         count(*) FILTER (WHERE e.type = 'received') AS received,
         count(*) FILTER (WHERE e.type = 'replied')  AS replies,
         count(*) FILTER (WHERE e.type = 'rescued')  AS rescued,
         count(*) FILTER (WHERE e.type = 'bounced')  AS bounced
  FROM warmup_events e
  WHERE e.tenant_id = c.tenant_id AND e.email_account_id = c.email_account_id) own ON true
LEFT JOIN LATERAL (
  SELECT count(*) FILTER (WHERE e.type = 'landed_inbox') AS inbox,
         count(*) FILTER (WHERE e.type = 'landed_spam')  AS spam
  FROM warmup_events e
  WHERE e.tenant_id = c.tenant_id AND e.peer_account_id = c.email_account_id
    AND e.type IN ('landed_inbox', 'landed_spam')) placed ON true;
