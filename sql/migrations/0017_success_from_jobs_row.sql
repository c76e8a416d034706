-- 0017: a completed job's successful attempt is read from its jobs row instead
-- of being written a second time as a row of its own.
--
-- Every completion wrote the same facts twice: the jobs row (status
-- completed, attempt_count, worker_id, started_at, completed_at) and a
-- job_executions row (success, attempt, worker_id, started_at, finished_at,
-- duration). The second write, its heap tuple and its two index entries, was a
-- quarter of PostgreSQL's CPU per completed job (docs/benchmarks.md, eleventh
-- session). A job reaches `completed` once and never leaves it (no statement
-- moves a completed row back to a live state; only a delete removes it), so
-- the row holds exactly one successful attempt for as long as it exists.
--
-- * job_attempts (the table job_executions was) keeps every other attempt:
--   failed, timeout, lost, interrupted, rescheduled; every writer writes
--   there.
-- * job_executions is now a view: those rows, plus one `success` row per
--   completed job, built from the jobs row. Reads (history, analytics, ad hoc
--   SQL) see what they saw before. A built row's id is NULL (it has no row of
--   its own); it sorts last under ORDER BY id, where a job's success belongs.
-- * Jobs completed before this migration have their success row in
--   job_attempts already: they are marked (legacy_success_row, true for every
--   row that exists now) so the view does not show them twice. A live job
--   that completes from now on clears the mark in its completing write.
--   Adding a column with a constant default and then changing the default
--   rewrite nothing: the migration takes the same time on a table of any size.
-- * A rolling upgrade: workers of the previous version still insert into
--   job_executions. An INSTEAD OF trigger on the view takes those rows (and
--   hand-written ones) into job_attempts, except a success of a job whose
--   jobs row shows it (every job but the marked ones: a previous version's
--   worker logs the success in the same statement that completes the row).
ALTER TABLE job_executions RENAME TO job_attempts;
ALTER INDEX job_executions_pkey RENAME TO job_attempts_pkey;
ALTER INDEX job_executions_job_idx RENAME TO job_attempts_job_idx;
ALTER INDEX job_executions_finished_brin_idx RENAME TO job_attempts_finished_brin_idx;

ALTER TABLE jobs ADD COLUMN legacy_success_row boolean NOT NULL DEFAULT true;
ALTER TABLE jobs ALTER COLUMN legacy_success_row SET DEFAULT false;

CREATE VIEW job_executions AS
SELECT id, job_id, attempt, worker_id, status, error, started_at, finished_at, duration_ms
FROM job_attempts
UNION ALL
SELECT NULL::bigint, j.id, j.attempt_count, j.worker_id, 'success'::text, NULL::text,
       j.started_at, j.completed_at,
       CASE WHEN j.started_at IS NOT NULL
            THEN GREATEST(round(extract(epoch FROM j.completed_at - j.started_at) * 1000), 0)::integer
       END
FROM jobs j
WHERE j.status = 'completed' AND NOT j.legacy_success_row;

-- The cascade of 0013 deletes from the table (a view cannot be deleted from).
CREATE OR REPLACE FUNCTION jobs_delete_executions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM job_attempts e USING gone WHERE e.job_id = gone.id;
  RETURN NULL;
END $$;

-- Inserts into the view (workers of the previous version, hand-written SQL).
CREATE FUNCTION job_executions_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status <> 'success'
     OR NOT EXISTS (SELECT 1 FROM jobs WHERE id = NEW.job_id AND NOT legacy_success_row) THEN
    INSERT INTO job_attempts (job_id, attempt, worker_id, status, error, started_at, finished_at,
                              duration_ms)
    VALUES (NEW.job_id, NEW.attempt, NEW.worker_id, NEW.status, NEW.error, NEW.started_at,
            COALESCE(NEW.finished_at, now()), NEW.duration_ms);
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER job_executions_insert INSTEAD OF INSERT ON job_executions
  FOR EACH ROW EXECUTE FUNCTION job_executions_insert();
