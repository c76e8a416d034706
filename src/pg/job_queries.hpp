#pragma once
// The engine's SQL, one named constant per statement. A hot-path batch
// travels as one array parameter per column (pg::ArrayLiteral), zipped back
// into rows by unnest(): one round trip and one statement for the whole batch,
// and several times cheaper for PostgreSQL to parse than one JSON document.
// Rare batches (reclaims, lookups) travel as one JSON array parameter.
namespace postwork::pg::queries {

// Columns $1..$7: id, queue, payload (JSON text), max_attempts, run_at_ms,
// tenant_id, idempotency_key. Returns the ids created; a conflicting id or live
// idempotency key creates nothing.
#define POSTWORK_INSERT_JOBS_SQL                                                          \
  "INSERT INTO jobs (id, queue, status, payload, max_attempts, run_at, tenant_id, "       \
  "idempotency_key)\n"                                                                    \
  "SELECT j.id, j.queue, 'queued', j.payload::jsonb, j.max_attempts,\n"                   \
  "       CASE WHEN j.run_at_ms > 0 THEN to_timestamp(j.run_at_ms::float8 / 1000)\n"      \
  "            ELSE now() END,\n"                                                         \
  "       j.tenant_id, j.idempotency_key\n"                                               \
  "FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bigint[], $6::text[], " \
  "$7::text[])\n"                                                                         \
  "  AS j(id, queue, payload, max_attempts, run_at_ms, tenant_id, idempotency_key)\n"
inline constexpr const char* kInsertJobs =
    POSTWORK_INSERT_JOBS_SQL "ON CONFLICT DO NOTHING\nRETURNING id";
// The same without ON CONFLICT, for a batch with no idempotency key and only
// ids the client made up, which cannot conflict (the caller retries with
// kInsertJobs on a unique violation).
inline constexpr const char* kInsertFreshJobs = POSTWORK_INSERT_JOBS_SQL "RETURNING id";
#undef POSTWORK_INSERT_JOBS_SQL
// One job ($1..$7 as scalars, same columns): a single enqueue skips the
// array parsing and unnest() of the batch form.
#define POSTWORK_INSERT_JOB_SQL                                                     \
  "INSERT INTO jobs (id, queue, status, payload, max_attempts, run_at, tenant_id, " \
  "idempotency_key)\n"                                                              \
  "VALUES ($1, $2, 'queued', $3::jsonb, $4::int,\n"                                 \
  "        CASE WHEN $5::bigint > 0 THEN to_timestamp($5::bigint::float8 / 1000)\n" \
  "             ELSE now() END,\n"                                                  \
  "        $6, $7)\n"
inline constexpr const char* kInsertJob =
    POSTWORK_INSERT_JOB_SQL "ON CONFLICT DO NOTHING\nRETURNING id";
inline constexpr const char* kInsertFreshJob = POSTWORK_INSERT_JOB_SQL "RETURNING id";
#undef POSTWORK_INSERT_JOB_SQL
// A large batch of such jobs takes the fastest load there is (pg::CopyRows):
// rows of id, queue, status, payload, max_attempts[, run_at], tenant_id.
// Without run_at the column takes its default, now(), as kInsertJobs does for
// a run_at_ms of 0. A unique violation fails the whole COPY; the caller then
// retries with kInsertJobs.
inline constexpr const char* kCopyFreshJobs =
    "COPY jobs (id, queue, status, payload, max_attempts, tenant_id) FROM STDIN";
inline constexpr const char* kCopyFreshJobsAt =
    "COPY jobs (id, queue, status, payload, max_attempts, run_at, tenant_id) FROM STDIN";

// $1: ["key", ...] -> (key, id) of the live jobs holding them
inline constexpr const char* kLiveIdsByKey = R"SQL(
SELECT idempotency_key, id FROM jobs
WHERE idempotency_key IN (SELECT jsonb_array_elements_text($1::jsonb))
  AND status IN ('queued', 'running', 'retry_scheduled'))SQL";

// Columns $1..$8: id, queue, payload (JSON text), attempt_count, max_attempts,
// token, started_ms, tenant_id; $9 the worker id.
// Upsert: a job a foreign producer pushed gets its row here. Applies only to
// live jobs and only with a newer lease token. Returns the ids accepted.
inline constexpr const char* kMarkRunning = R"SQL(
INSERT INTO jobs AS j (id, queue, status, payload, attempt_count, max_attempts, worker_id,
                       lease_token, started_at, tenant_id, updated_at)
SELECT r.id, r.queue, 'running', COALESCE(r.payload::jsonb, '{}'::jsonb), r.attempt_count, r.max_attempts, $9,
       r.token, to_timestamp(r.started_ms::float8 / 1000), r.tenant_id, now()
FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::bigint[], $7::bigint[],
            $8::text[])
  AS r(id, queue, payload, attempt_count, max_attempts, token, started_ms, tenant_id)
ON CONFLICT (id) DO UPDATE
  SET status = 'running', worker_id = EXCLUDED.worker_id, lease_token = EXCLUDED.lease_token,
      started_at = EXCLUDED.started_at, attempt_count = EXCLUDED.attempt_count,
      updated_at = now()
  WHERE j.status IN ('queued', 'running', 'retry_scheduled') AND j.lease_token < EXCLUDED.lease_token
RETURNING j.id)SQL";

// Columns $1..$16: id, queue, token, status, result (JSON text), error,
// attempt_count, max_attempts, run_at_ms, attempt, worker_id, exec_status,
// started_ms, finished_ms, payload (JSON text), tenant_id.
// Ends attempts in one statement. An upsert: the row may not exist yet (a
// foreign producer's job) or may still say queued (the running mark is written
// only for jobs that outlive a flush window). Applies only to a live job whose
// lease is ours: running under this token, or live under an older one. Logs
// one job_attempts row per applied attempt that did not complete its job: a
// success is the completed row itself, which the job_executions view shows as
// the job's success attempt (migration 0017). Returns the ids applied.
inline constexpr const char* kApplyFinishes = R"SQL(
WITH f AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[],
    $7::int[], $8::int[], $9::bigint[], $10::int[], $11::text[], $12::text[], $13::bigint[],
    $14::bigint[], $15::text[], $16::text[])
    AS f(id, queue, token, status, result, error, attempt_count, max_attempts, run_at_ms, attempt,
         worker_id, exec_status, started_ms, finished_ms, payload, tenant_id)
), upd AS (
  INSERT INTO jobs AS j (id, queue, status, payload, attempt_count, max_attempts, worker_id,
                         lease_token, started_at, completed_at, result, last_error, run_at,
                         tenant_id, updated_at)
  SELECT f.id, f.queue, f.status, COALESCE(f.payload::jsonb, '{}'::jsonb), f.attempt_count,
         f.max_attempts, f.worker_id, f.token,
         CASE WHEN f.started_ms > 0 THEN to_timestamp(f.started_ms::float8 / 1000) END,
         CASE WHEN f.status IN ('completed', 'failed', 'cancelled')
              THEN to_timestamp(f.finished_ms::float8 / 1000) END,
         CASE WHEN f.status = 'completed' THEN f.result::jsonb END, f.error,
         CASE WHEN f.run_at_ms > 0 THEN to_timestamp(f.run_at_ms::float8 / 1000) ELSE now() END,
         f.tenant_id, now()
  FROM f
  ON CONFLICT (id) DO UPDATE SET
    status = EXCLUDED.status,
    worker_id = EXCLUDED.worker_id,
    lease_token = EXCLUDED.lease_token,
    started_at = COALESCE(EXCLUDED.started_at, j.started_at),
    completed_at = EXCLUDED.completed_at,
    result = COALESCE(EXCLUDED.result, j.result),
    last_error = COALESCE(EXCLUDED.last_error, j.last_error),
    attempt_count = EXCLUDED.attempt_count,
    run_at = CASE WHEN EXCLUDED.status IN ('queued', 'retry_scheduled') THEN EXCLUDED.run_at
                  ELSE j.run_at END,
    updated_at = now(),
    legacy_success_row = false
  WHERE (j.status = 'running' AND j.lease_token = EXCLUDED.lease_token)
     OR (j.status IN ('queued', 'retry_scheduled', 'running')
         AND j.lease_token < EXCLUDED.lease_token)
  RETURNING j.id
), ins AS (
  INSERT INTO job_attempts (job_id, attempt, worker_id, status, error, started_at, finished_at,
                            duration_ms)
  SELECT f.id, f.attempt, f.worker_id, f.exec_status, f.error,
         CASE WHEN f.started_ms > 0 THEN to_timestamp(f.started_ms::float8 / 1000) END,
         to_timestamp(f.finished_ms::float8 / 1000),
         CASE WHEN f.started_ms > 0 THEN GREATEST(f.finished_ms - f.started_ms, 0) END
  FROM f JOIN upd ON upd.id = f.id
  WHERE f.exec_status NOT IN ('', 'success')
)
SELECT id FROM upd)SQL";

// $1 ids, $2 tokens, $3 results (JSON text or NULL), $4 attempt_count,
// $5 started_ms, $6 finished_ms, $7 worker_id (the batch's, one value).
// The common outcome on its own: completions of jobs whose row exists. It
// sets exactly what kApplyFinishes sets for a completion that finds its row,
// under the same lease condition, and logs nothing (a success is the row
// itself). A plain UPDATE joined on the primary key skips the upsert's
// arbiter probe and tuple lock, and six narrow arrays parse in a fraction of
// the time of sixteen: a quarter less backend CPU per job (docs/benchmarks.md).
// Returns the ids applied; a row that is missing (a foreign producer's job
// whose running mark was not written) or fenced is left to kApplyFinishes.
inline constexpr const char* kCompleteJobs = R"SQL(
UPDATE jobs j SET
  status = 'completed',
  worker_id = $7,
  lease_token = f.token,
  started_at = COALESCE(CASE WHEN f.started_ms > 0
                             THEN to_timestamp(f.started_ms::float8 / 1000) END,
                        j.started_at),
  completed_at = to_timestamp(f.finished_ms::float8 / 1000),
  result = COALESCE(f.result::jsonb, j.result),
  attempt_count = f.attempt_count,
  updated_at = now(),
  legacy_success_row = false
FROM unnest($1::text[], $2::bigint[], $3::text[], $4::int[], $5::bigint[], $6::bigint[])
  AS f(id, token, result, attempt_count, started_ms, finished_ms)
WHERE j.id = f.id
  AND ((j.status = 'running' AND j.lease_token = f.token)
    OR (j.status IN ('queued', 'retry_scheduled', 'running') AND j.lease_token < f.token))
RETURNING j.id)SQL";

// $1: [{id, token, status, attempt_count, worker_id, error}] (leases that expired)
// Applies where the expired lease is the newest PostgreSQL knows: running under
// it, or live under an older one (a short job's running mark is never written).
// Returns the ids applied; the others were finished or re-leased meanwhile.
inline constexpr const char* kApplyReclaims = R"SQL(
WITH r AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(id text, token bigint, status text,
    attempt_count int, worker_id text, error text)
), upd AS (
  UPDATE jobs j SET status = r.status, attempt_count = r.attempt_count, last_error = r.error,
    lease_token = r.token, completed_at = CASE WHEN r.status = 'failed' THEN now() END,
    updated_at = now()
  FROM r WHERE j.id = r.id
    AND ((j.status = 'running' AND j.lease_token = r.token)
      OR (j.status IN ('queued', 'retry_scheduled', 'running') AND j.lease_token < r.token))
  RETURNING j.id
), ins AS (
  -- The lost attempt is history whether or not a newer lease already moved the
  -- row on (the reclaim itself happened exactly once, atomically in Redis).
  INSERT INTO job_attempts (job_id, attempt, worker_id, status, error, finished_at)
  SELECT r.id, r.attempt_count, r.worker_id, 'lost', r.error, now()
  FROM r WHERE EXISTS (SELECT 1 FROM jobs j WHERE j.id = r.id)
)
SELECT id FROM upd)SQL";

inline constexpr const char* kStatuses = R"SQL(
SELECT id, status, lease_token FROM jobs
WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb)))SQL";

inline constexpr const char* kSelectJob = R"SQL(
SELECT id, queue, status, payload::text, attempt_count, max_attempts, worker_id, tenant_id,
       idempotency_key, last_error, result::text,
       to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       to_char(completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       to_char(run_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       (extract(epoch FROM run_at) * 1000)::bigint, lease_token
FROM jobs)SQL";

// $1 grace seconds, $2 after id, $3 limit
// The reconciler's pass: one cursor over live jobs not updated for $1 seconds,
// read a page at a time (FETCH). No ORDER BY: paging by id made the planner
// walk jobs_pkey and filter every finished row on the heap (UUIDv7 ids put
// the finished history first), 180 ms for the first page of a table with
// 300,000 finished rows; the cursor reads jobs_unfinished_idx once per pass.
inline constexpr const char* kDeclareLiveOlderThan = R"SQL(
DECLARE pw_live_jobs NO SCROLL CURSOR FOR
SELECT id, queue, status, payload::text, attempt_count, max_attempts, worker_id, tenant_id,
       idempotency_key, last_error, NULL, NULL, NULL, NULL, NULL, NULL,
       (extract(epoch FROM run_at) * 1000)::bigint, lease_token
FROM jobs
WHERE status IN ('queued', 'retry_scheduled', 'running')
  AND updated_at < now() - make_interval(secs => $1::int))SQL";

// The same columns for those of the given ids ($1, a JSON array) that are
// live and not updated for $2 seconds now: the reconciler reads its candidates
// again outside the pass's snapshot, so a job that finished (or moved) while
// the pass ran is not pushed again.
inline constexpr const char* kLiveByIds = R"SQL(
SELECT id, queue, status, payload::text, attempt_count, max_attempts, worker_id, tenant_id,
       idempotency_key, last_error, NULL, NULL, NULL, NULL, NULL, NULL,
       (extract(epoch FROM run_at) * 1000)::bigint, lease_token
FROM jobs
WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))
  AND status IN ('queued', 'retry_scheduled', 'running')
  AND updated_at < now() - make_interval(secs => $2::int))SQL";

inline constexpr const char* kExecutions = R"SQL(
SELECT attempt, worker_id, status, error,
       to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       COALESCE(duration_ms, 0)
FROM job_executions WHERE job_id = $1 ORDER BY id NULLS LAST)SQL";

// $1 ids (json array), $2 all ('t'/'f'), $3 queue filter ('' = any)
inline constexpr const char* kRetryDead = R"SQL(
UPDATE jobs SET status = 'queued', attempt_count = 0, run_at = now(), updated_at = now(),
                completed_at = NULL, worker_id = NULL
WHERE status = 'failed'
  AND ($2 = 't' OR id IN (SELECT jsonb_array_elements_text($1::jsonb)))
  AND ($3 = '' OR queue = $3)
RETURNING id, queue, status, payload::text, attempt_count, max_attempts, worker_id, tenant_id,
          idempotency_key, last_error, NULL, NULL, NULL, NULL, NULL, NULL,
          (extract(epoch FROM run_at) * 1000)::bigint, lease_token)SQL";

// $1 queue ('' = any), $2 older-than interval ('' = any age)
inline constexpr const char* kPurgeDead = R"SQL(
DELETE FROM jobs
WHERE status = 'failed' AND ($1 = '' OR queue = $1)
  AND ($2 = '' OR updated_at < now() - $2::interval)
RETURNING id)SQL";

inline constexpr const char* kCancel = R"SQL(
UPDATE jobs SET status = 'cancelled', completed_at = now(), updated_at = now()
WHERE id = $1 AND status IN ('queued', 'retry_scheduled'))SQL";

}  // namespace postwork::pg::queries
