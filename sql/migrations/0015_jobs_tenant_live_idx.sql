-- 0015: the per-tenant index of jobs covers live jobs only. Every completed
-- job of a tenant used to add an entry to it (the completion's update is not
-- HOT, so every index of a changed row gets a new entry): a quarter more
-- PostgreSQL CPU per completed job for tenant jobs than for others (the
-- worker-tenants benchmark, docs/benchmarks.md). What reads it asks for a
-- tenant's queued, running or retrying jobs; finished jobs by time have
-- jobs_completed_brin_idx.
DROP INDEX IF EXISTS jobs_tenant_idx;
CREATE INDEX jobs_tenant_live_idx ON jobs (tenant_id, created_at DESC)
  WHERE tenant_id IS NOT NULL AND status IN ('queued', 'running', 'retry_scheduled');
