-- 0013: job_executions loses its foreign key to jobs. The key's check ran once
-- per inserted execution row (a lookup and a row lock on jobs) and was a
-- quarter of PostgreSQL's CPU per completed job (docs/benchmarks.md). The
-- engine only logs an execution for a job row it has just updated in the same
-- statement, or one it has checked exists, so the check never caught anything.
-- ON DELETE CASCADE stays, as one statement-level trigger: deleting jobs (purge,
-- `postwork job delete`, by hand) deletes their executions in one set-based
-- statement.
ALTER TABLE job_executions DROP CONSTRAINT IF EXISTS job_executions_job_id_fkey;

CREATE FUNCTION jobs_delete_executions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM job_executions e USING gone WHERE e.job_id = gone.id;
  RETURN NULL;
END $$;

CREATE TRIGGER jobs_delete_executions AFTER DELETE ON jobs
  REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION jobs_delete_executions();
