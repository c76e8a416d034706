-- 0016: one index over unfinished jobs instead of two. jobs_queue_status_idx
-- (queue, status, updated_at DESC) and jobs_status_updated_idx (status,
-- updated_at) held the same rows, so every enqueued job, every running mark
-- and every retry or dead letter wrote two index entries. The second entry was
-- a tenth of PostgreSQL's time per enqueued job (docs/benchmarks.md, eighth
-- session). The one index leads with status, so it serves both kinds of read:
--   * a queue's jobs in one state, newest change first (dashboard, `postwork
--     jobs`, dead letters of a queue): status and queue equal, updated_at in
--     index order;
--   * one state across queues by age (the reconciler's live jobs older than
--     its grace, purges of old dead letters, the per-queue counts): a range
--     on status, with updated_at checked on the index entry itself.
-- Finished (completed) jobs stay out of it, as before. The index is built
-- over unfinished rows only, so the build is short even on a large table.
CREATE INDEX jobs_unfinished_idx ON jobs (status, queue, updated_at DESC)
  WHERE status <> 'completed';
DROP INDEX IF EXISTS jobs_queue_status_idx;
DROP INDEX IF EXISTS jobs_status_updated_idx;
