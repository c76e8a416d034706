-- enqueue: push jobs that PostgreSQL already holds onto their queue (or the
-- scheduled set). Also used by the reconciler and `dlq retry` to push again.
-- KEYS[1] pw:scheduled
-- ARGV[1] now_ms
-- ARGV[2] the form of the rest:
--   'each':   groups of 7: id, queue, envelope_json, run_at_ms (0 = now),
--             max_attempts, attempt_count, tenant_id ('' = none: the job goes on
--             the queue list itself)
--   'shared': queue, run_at_ms, max_attempts, attempt_count, tenant_id once
--             for the batch (a producer's batch shares them), then pairs of id,
--             envelope_json. A third of the arguments for Redis to read and
--             bring into Lua.
-- A job whose job:<id> hash is live (queued, processing, retry_scheduled) is
-- already in Redis and is skipped, so pushing twice never duplicates a job.
-- The envelope is stored once: in the list entry for a job ready now, in
-- pw:env:<id> for a delayed one (fetch moves it to a list when it is due). The
-- job hash holds only short fields, so Redis keeps it compact (a listpack).
-- Returns the number of jobs pushed.
local now = tonumber(ARGV[1])
local at = ARGV[1]  -- as a string: redis.call formats a Lua number with printf
-- @include push_job
local pushed = 0
local function push_one(id, queue, env, run_at_ms, max_attempts, attempt_count, tenant)
  local key = 'job:' .. id
  local status = redis.call('HGET', key, 'status')
  if status == false or status == 'completed' or status == 'failed' or status == 'cancelled' then
    if status then redis.call('DEL', key) end
    if tenant ~= '' then
      redis.call('HSET', key, 'status', 'queued', 'queue', queue,
        'max_attempts', max_attempts, 'attempt_count', attempt_count, 'enqueued_at', at,
        'updated_at', at, 'tenant', tenant)
    else
      redis.call('HSET', key, 'status', 'queued', 'queue', queue,
        'max_attempts', max_attempts, 'attempt_count', attempt_count, 'enqueued_at', at,
        'updated_at', at)
    end
    if tonumber(run_at_ms) > now then
      redis.call('HSET', key, 'run_at', run_at_ms)
      redis.call('SET', env_key(id), env)
      redis.call('ZADD', KEYS[1], run_at_ms, id)
    else
      push_job(queue, tenant, env, false)
    end
    pushed = pushed + 1
  end
end
if ARGV[2] == 'shared' then
  local queue, run_at_ms, max_attempts, attempt_count, tenant =
    ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
  for i = 8, #ARGV, 2 do
    push_one(ARGV[i], queue, ARGV[i + 1], run_at_ms, max_attempts, attempt_count, tenant)
  end
else
  for i = 3, #ARGV, 7 do
    push_one(ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6])
  end
end
wake_workers()  -- once per queue that got a job ready now
return pushed
