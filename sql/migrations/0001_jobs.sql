-- 0001_jobs: the system of record for every job and every attempt.
-- jobs: one row per job, its current state (the seed's updateJobStatus /
-- markJobCompleted). job_executions: one row per attempt (logJobExecution).

CREATE TABLE jobs (
  id              text        PRIMARY KEY,
  queue           text        NOT NULL,
  status          text        NOT NULL
                  CHECK (status IN ('queued', 'running', 'completed', 'retry_scheduled', 'failed', 'cancelled')),
  payload         jsonb       NOT NULL DEFAULT '{}'::jsonb,
  attempt_count   integer     NOT NULL DEFAULT 0,
  max_attempts    integer     NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
  worker_id       text,
  -- Fencing token of the lease that last ran the job; a write from an older
  -- lease is ignored.
  lease_token     bigint      NOT NULL DEFAULT 0,
  started_at      timestamptz,
  completed_at    timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  created_at      timestamptz NOT NULL DEFAULT now(),
  run_at          timestamptz NOT NULL DEFAULT now(),
  result          jsonb,
  last_error      text,
  tenant_id       text,
  idempotency_key text
);

-- One live job per idempotency key.
CREATE UNIQUE INDEX jobs_idempotency_live_idx ON jobs (idempotency_key)
  WHERE idempotency_key IS NOT NULL AND status IN ('queued', 'running', 'retry_scheduled');
-- Completed jobs are the bulk of the table and are never looked up by status:
-- keeping them out of the status indexes makes every state change cheaper.
-- Listings by queue and state (dashboard, CLI), dead letters:
CREATE INDEX jobs_queue_status_idx ON jobs (queue, status, updated_at DESC)
  WHERE status <> 'completed';
-- The reconciler scans live jobs by age; purges scan dead ones by age.
CREATE INDEX jobs_status_updated_idx ON jobs (status, updated_at)
  WHERE status <> 'completed';
-- Completed jobs by time (retention, per-queue listings of finished work).
CREATE INDEX jobs_completed_brin_idx ON jobs USING brin (completed_at);
CREATE INDEX jobs_tenant_idx ON jobs (tenant_id, created_at DESC) WHERE tenant_id IS NOT NULL;

CREATE TABLE job_executions (
  id          bigserial   PRIMARY KEY,
  job_id      text        NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  attempt     integer     NOT NULL,
  worker_id   text,
  status      text        NOT NULL
              CHECK (status IN ('success', 'failed', 'timeout', 'lost', 'interrupted', 'rescheduled')),
  error       text,
  started_at  timestamptz,
  finished_at timestamptz NOT NULL DEFAULT now(),
  duration_ms integer
);
CREATE INDEX job_executions_job_idx ON job_executions (job_id, attempt);
-- Rows arrive in finished_at order: a BRIN index serves day ranges (analytics)
-- at a fraction of a B-tree's write cost.
CREATE INDEX job_executions_finished_brin_idx ON job_executions USING brin (finished_at);
