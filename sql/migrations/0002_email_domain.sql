-- 0002_email_domain: the email platform's tables (issue 4).
-- Every row carries tenant_id and every cross-table reference includes it
-- (composite foreign keys on (tenant_id, id)), so a row can never point at
-- another tenant's campaign, lead, template or account, whatever a job says.
-- Ids are text (UUIDs by default) so job payloads can carry any id spelling.

CREATE TABLE tenants (
  id         text        PRIMARY KEY,
  name       text        NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now()
);

-- A sending mailbox. Passwords are AES-256-GCM ciphertexts ("v1:<keyid>:...",
-- see src/mail/secret_box.hpp), never plain text.
CREATE TABLE email_accounts (
  id                text        PRIMARY KEY DEFAULT gen_random_uuid()::text,
  tenant_id         text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  email             text        NOT NULL,
  display_name      text        NOT NULL DEFAULT '',
  smtp_host         text        NOT NULL,
  smtp_port         integer     NOT NULL DEFAULT 587 CHECK (smtp_port BETWEEN 1 AND 65535),
  smtp_security     text        NOT NULL DEFAULT 'starttls' CHECK (smtp_security IN ('none', 'starttls', 'tls')),
  smtp_username     text        NOT NULL DEFAULT '',
  smtp_password_enc text        NOT NULL DEFAULT '',
  imap_host         text,
  imap_port         integer     CHECK (imap_port BETWEEN 1 AND 65535),
  imap_security     text        CHECK (imap_security IN ('none', 'starttls', 'tls')),
  imap_username     text,
  imap_password_enc text,
  daily_limit       integer     NOT NULL DEFAULT 50 CHECK (daily_limit >= 0),
  min_gap_seconds   integer     NOT NULL DEFAULT 0 CHECK (min_gap_seconds >= 0),
  -- The daily limit resets at midnight in this IANA zone.
  time_zone         text        NOT NULL DEFAULT 'UTC',
  status            text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'disabled')),
  -- When the last send was claimed (the minimum-gap clock).
  last_send_at      timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id),
  UNIQUE (tenant_id, email)
);

CREATE TABLE email_templates (
  id         text        PRIMARY KEY DEFAULT gen_random_uuid()::text,
  tenant_id  text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  name       text        NOT NULL DEFAULT '',
  subject    text        NOT NULL,
  html       text        NOT NULL DEFAULT '',
  text       text        NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id)
);

-- steps: [{"step": 1, "template_id": "...", "delay_days": 0}, ...]; a sending
-- job names its step, and its template when the step does not.
-- send_days: ISO weekdays (1 = Monday ... 7 = Sunday) in time_zone.
CREATE TABLE campaigns (
  id               text        PRIMARY KEY DEFAULT gen_random_uuid()::text,
  tenant_id        text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  name             text        NOT NULL DEFAULT '',
  status           text        NOT NULL DEFAULT 'active'
                   CHECK (status IN ('draft', 'active', 'paused', 'completed', 'archived')),
  email_account_id text,
  template_id      text,
  send_days        smallint[]  NOT NULL DEFAULT '{1,2,3,4,5}',
  send_start_hour  smallint    NOT NULL DEFAULT 9 CHECK (send_start_hour BETWEEN 0 AND 23),
  send_end_hour    smallint    NOT NULL DEFAULT 17 CHECK (send_end_hour BETWEEN 1 AND 24),
  time_zone        text        NOT NULL DEFAULT 'UTC',
  stop_on_reply    boolean     NOT NULL DEFAULT true,
  steps            jsonb       NOT NULL DEFAULT '[]'::jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id),
  CHECK (send_start_hour < send_end_hour),
  CHECK (send_days <@ '{1,2,3,4,5,6,7}'::smallint[]),
  FOREIGN KEY (tenant_id, email_account_id) REFERENCES email_accounts (tenant_id, id),
  FOREIGN KEY (tenant_id, template_id) REFERENCES email_templates (tenant_id, id)
);

CREATE TABLE leads (
  id            text        PRIMARY KEY DEFAULT gen_random_uuid()::text,
  tenant_id     text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  email         text        NOT NULL,
  first_name    text        NOT NULL DEFAULT '',
  last_name     text        NOT NULL DEFAULT '',
  company       text        NOT NULL DEFAULT '',
  custom_fields jsonb       NOT NULL DEFAULT '{}'::jsonb,
  status        text        NOT NULL DEFAULT 'active'
                CHECK (status IN ('active', 'replied', 'bounced', 'unsubscribed')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, id)
);
CREATE UNIQUE INDEX leads_tenant_email_idx ON leads (tenant_id, lower(email));

-- One row per (campaign, lead, step): the claim that makes sending idempotent.
--   sending   claimed by job_id, SMTP transaction may be in progress
--   sent      the server accepted it (provider_response = its reply)
--   deferred  a retryable failure before the server could accept it; a retry may claim it again
--   unknown   a re-run found it still 'sending' (crash between SMTP and the write): review, never resent
--   failed    permanent SMTP failure (5xx) or retries exhausted
--   bounced   a bounce came back (bounce_type hard/soft)
--   suppressed / skipped  nothing was sent (suppression list; replied lead on a stop-on-reply campaign)
CREATE TABLE email_deliveries (
  id                text        PRIMARY KEY DEFAULT gen_random_uuid()::text,
  tenant_id         text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  campaign_id       text        NOT NULL,
  lead_id           text        NOT NULL,
  step              integer     NOT NULL DEFAULT 1 CHECK (step >= 1),
  email_account_id  text,
  template_id       text,
  recipient_email   text        NOT NULL,
  job_id            text,
  message_id        text        UNIQUE,
  status            text        NOT NULL
                    CHECK (status IN ('sending', 'sent', 'deferred', 'unknown', 'failed', 'bounced',
                                      'suppressed', 'skipped')),
  skip_reason       text,
  claimed_at        timestamptz,
  sent_at           timestamptz,
  bounced_at        timestamptz,
  bounce_type       text        CHECK (bounce_type IN ('hard', 'soft')),
  bounce_reason     text,
  replied_at        timestamptz,
  auto_replied_at   timestamptz,
  provider_response text,
  last_error        text,
  smtp_attempts     integer     NOT NULL DEFAULT 0,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (campaign_id, lead_id, step),
  FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, lead_id) REFERENCES leads (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, email_account_id) REFERENCES email_accounts (tenant_id, id),
  FOREIGN KEY (tenant_id, template_id) REFERENCES email_templates (tenant_id, id)
);
-- Daily-limit counting per account.
CREATE INDEX email_deliveries_account_claimed_idx ON email_deliveries (email_account_id, claimed_at)
  WHERE claimed_at IS NOT NULL;
-- Soft-bounce history per address.
CREATE INDEX email_deliveries_recipient_bounce_idx ON email_deliveries (tenant_id, lower(recipient_email), bounced_at)
  WHERE bounce_type IS NOT NULL;
CREATE INDEX email_deliveries_lead_idx ON email_deliveries (tenant_id, lead_id);

-- Exactly the seed's processIncomingEmail shape, plus threading ids and what
-- the message was classified as.
CREATE TABLE email_content (
  storage_key    text        PRIMARY KEY,
  tenant_id      text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  content_text   text,
  content_html   text,
  headers        jsonb       NOT NULL DEFAULT '{}'::jsonb,
  raw_size_bytes bigint      NOT NULL DEFAULT 0,
  created        timestamptz NOT NULL DEFAULT now(),
  retention_days integer     NOT NULL DEFAULT 2555
);

CREATE TABLE email_messages (
  id               bigserial   PRIMARY KEY,
  storage_key      text        NOT NULL UNIQUE REFERENCES email_content (storage_key) ON DELETE CASCADE,
  tenant_id        text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  email_account_id text,
  direction        text        NOT NULL DEFAULT 'inbound',
  message_type     text        NOT NULL DEFAULT 'email',
  from_email       text,
  to_email         text,
  subject          text,
  status           text        NOT NULL DEFAULT 'received',
  processed        timestamptz NOT NULL DEFAULT now(),
  message_id       text        NOT NULL,
  in_reply_to      text,
  references_ids   text[]      NOT NULL DEFAULT '{}',
  -- reply / auto_reply / bounce / other, and the delivery it answers.
  classification   text        NOT NULL DEFAULT 'other',
  delivery_id      text,
  UNIQUE (tenant_id, message_id),
  FOREIGN KEY (tenant_id, email_account_id) REFERENCES email_accounts (tenant_id, id)
);

-- Attachment bytes, content-addressed by SHA-256 per tenant: the same file
-- received twice is stored once. data holds the bytes unless they were written
-- to the configured folder (file_path).
CREATE TABLE email_attachments (
  tenant_id    text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  sha256       text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size_bytes   bigint      NOT NULL,
  content_type text        NOT NULL,
  data         bytea,
  file_path    text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, sha256),
  CHECK ((data IS NULL) <> (file_path IS NULL))
);

-- Which attachments a message had, in order, under which names.
CREATE TABLE email_message_attachments (
  storage_key  text    NOT NULL REFERENCES email_content (storage_key) ON DELETE CASCADE,
  position     integer NOT NULL,
  tenant_id    text    NOT NULL,
  sha256       text    NOT NULL,
  filename     text    NOT NULL DEFAULT '',
  content_type text    NOT NULL,
  content_id   text    NOT NULL DEFAULT '',
  is_inline    boolean NOT NULL DEFAULT false,
  PRIMARY KEY (storage_key, position),
  FOREIGN KEY (tenant_id, sha256) REFERENCES email_attachments (tenant_id, sha256)
);

CREATE TABLE suppressions (
  tenant_id  text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  email      text        NOT NULL CHECK (email = lower(email)),
  reason     text        NOT NULL CHECK (reason IN ('hard_bounce', 'unsubscribe', 'complaint', 'manual')),
  detail     text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, email)
);

-- Counters are only ever changed with col = col + n in one statement, so
-- concurrent jobs never lose an update. delivered = accepted by the server and
-- not (yet) bounced.
CREATE TABLE campaign_metrics (
  tenant_id    text        NOT NULL,
  campaign_id  text        NOT NULL,
  sent         bigint      NOT NULL DEFAULT 0,
  delivered    bigint      NOT NULL DEFAULT 0,
  hard_bounces bigint      NOT NULL DEFAULT 0,
  soft_bounces bigint      NOT NULL DEFAULT 0,
  replies      bigint      NOT NULL DEFAULT 0,
  auto_replies bigint      NOT NULL DEFAULT 0,
  suppressed   bigint      NOT NULL DEFAULT 0,
  skipped      bigint      NOT NULL DEFAULT 0,
  failed       bigint      NOT NULL DEFAULT 0,
  unknown      bigint      NOT NULL DEFAULT 0,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, campaign_id),
  FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id) ON DELETE CASCADE
);
