-- enqueue: push jobs that PostgreSQL already holds onto their queue (or the
-- scheduled set). Also used by the reconciler and `dlq retry` to push again.
-- KEYS[1] pw:scheduled   KEYS[2] pw:wake
-- ARGV[1] now_ms
-- ARGV[2..] groups of 7: id, queue, envelope_json, run_at_ms (0 = now), max_attempts,
--   attempt_count, tenant_id ('' = none: the job goes on the queue list itself)
-- A job whose job:<id> hash is live (queued, processing, retry_scheduled) is
-- already in Redis and is skipped, so pushing twice never duplicates a job.
-- The envelope is stored once: in the list entry for a job ready now, in
-- pw:env:<id> for a delayed one (fetch moves it to a list when it is due). The
-- job hash holds only short fields, so Redis keeps it compact (a listpack).
-- Returns the number of jobs pushed.
local now = tonumber(ARGV[1])
local at = ARGV[1]  -- as a string: redis.call formats a Lua number with printf
-- @include push_job
local pushed, ready = 0, 0
for i = 2, #ARGV, 7 do
  local id, queue, env, tenant = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 6]
  local run_at = tonumber(ARGV[i + 3])
  local key = 'job:' .. id
  local status = redis.call('HGET', key, 'status')
  if status == false or status == 'completed' or status == 'failed' or status == 'cancelled' then
    if status then redis.call('DEL', key) end
    if tenant ~= '' then
      redis.call('HSET', key, 'status', 'queued', 'queue', queue,
        'max_attempts', ARGV[i + 4], 'attempt_count', ARGV[i + 5], 'enqueued_at', at,
        'updated_at', at, 'tenant', tenant)
    else
      redis.call('HSET', key, 'status', 'queued', 'queue', queue,
        'max_attempts', ARGV[i + 4], 'attempt_count', ARGV[i + 5], 'enqueued_at', at,
        'updated_at', at)
    end
    if run_at > now then
      redis.call('HSET', key, 'run_at', ARGV[i + 3])
      redis.call('SET', env_key(id), env)
      redis.call('ZADD', KEYS[1], ARGV[i + 3], id)
    else
      push_job(queue, tenant, env, false)
      ready = ready + 1
    end
    pushed = pushed + 1
  end
end
if ready > 0 then
  redis.call('LPUSH', KEYS[2], '1')
  redis.call('LTRIM', KEYS[2], 0, 15)
end
return pushed
