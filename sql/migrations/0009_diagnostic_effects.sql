-- 0009_diagnostic_effects: side effects recorded by queue:diagnostic jobs with
-- {"record": true}, so chaos tests can count executions per job. One row per
-- execution (duplicates are the point: they measure at-least-once re-runs).
CREATE TABLE diagnostic_effects (
  id         bigserial   PRIMARY KEY,
  job_id     text        NOT NULL,
  attempt    integer     NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX diagnostic_effects_job_idx ON diagnostic_effects (job_id);
