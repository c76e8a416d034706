-- finish: apply a batch of attempt outcomes that PostgreSQL has already
-- committed. Each applies only if this worker still holds the job's lease
-- (the member "<lease_token>:<id>" is still in the leases set); a late or
-- duplicate report changes nothing.
-- KEYS[1] pw:leases  KEYS[2] pw:scheduled  KEYS[3] pw:dead
-- ARGV[1] now_ms  ARGV[2] terminal_ttl_seconds
-- ARGV[3..] groups of 8: id, lease_token, queue, kind, a, b, c, d
--   completed   a=result_json
--   retry       a=run_at_ms  b=attempt_count  c=error  d=retry_delay_ms
--   reschedule  a=run_at_ms  b=reason
--   failed      a=error      b=attempt_count
--   requeue     (back to the head of its queue, no attempt used)
--   cancelled
--   skip        a=status PostgreSQL already holds (the job was finished before)
-- Returns the ids that were fenced off (the lease had moved on); they are untouched.
-- Cost: one ZMSCORE, one ZREM and one DEL of the envelopes (pw:env:<id>) per
-- batch (in chunks), then one HSET and, for a finished job, one EXPIRE per job.
local now = tonumber(ARGV[1])
-- Commands take the arguments as they came (strings): a Lua number passed to
-- redis.call is formatted with printf on every call.
local at, ttl = ARGV[1], ARGV[2]
-- @include push_job
local CHUNK = 1000  -- unpack's limit is 8,000 values
local fenced = {}
local gone = {}  -- envelope copies of jobs that left their lease: one DEL per chunk
local counts = {}  -- "processed:<queue>" -> n, written once per batch
local function count(field)
  counts[field] = (counts[field] or 0) + 1
end
-- "processed:<queue>" built once per queue rather than once per job.
local processed_field = {}
local function processed(queue)
  local f = processed_field[queue]
  if not f then
    f = 'processed:' .. queue
    processed_field[queue] = f
  end
  return f
end
-- Which leases are still ours: one ZMSCORE per chunk, one ZREM per chunk.
local held, claimed = {}, {}
for first = 3, #ARGV, 8 * CHUNK do
  local members = {}
  local last = math.min(first + 8 * CHUNK - 1, #ARGV)
  for i = first, last, 8 do members[#members + 1] = ARGV[i + 1] .. ':' .. ARGV[i] end
  local scores = redis.call('ZMSCORE', KEYS[1], unpack(members))
  local mine = {}
  for j = 1, #members do
    -- (A job reported twice in one batch applies once.)
    if scores[j] and not claimed[members[j]] then
      claimed[members[j]] = true
      held[first + (j - 1) * 8] = true
      mine[#mine + 1] = members[j]
    end
  end
  if #mine > 0 then redis.call('ZREM', KEYS[1], unpack(mine)) end
end
for i = 3, #ARGV, 8 do
  local id, token, queue, kind = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local a, b, c, d = ARGV[i + 4], ARGV[i + 5], ARGV[i + 6], ARGV[i + 7]
  local key = 'job:' .. id
  if not held[i] then
    fenced[#fenced + 1] = id
  else
    if kind == 'completed' then
      redis.call('HSET', key, 'status', 'completed', 'completed_at', at, 'result', a,
        'updated_at', at)
      redis.call('EXPIRE', key, ttl)
      gone[#gone + 1] = env_key(id)
      count(processed(queue))
    elseif kind == 'retry' then
      redis.call('HSET', key, 'status', 'retry_scheduled', 'attempt_count', b,
        'retry_delay', d, 'last_error', c, 'run_at', a, 'updated_at', at)
      redis.call('ZADD', KEYS[2], a, id)
      count('retried:' .. queue)
      count('failed:' .. queue)
    elseif kind == 'reschedule' then
      redis.call('HSET', key, 'status', 'queued', 'run_at', a, 'reason', b, 'updated_at', at)
      redis.call('ZADD', KEYS[2], a, id)
    elseif kind == 'failed' then
      redis.call('HSET', key, 'status', 'failed', 'last_error', a, 'attempt_count', b,
        'failed_at', at, 'updated_at', at)
      redis.call('HDEL', key, 'envelope')
      gone[#gone + 1] = env_key(id)
      redis.call('ZADD', KEYS[3], at, id)
      redis.call('EXPIRE', key, ttl)
      count('failed:' .. queue)
      count('dead:' .. queue)
    elseif kind == 'requeue' then
      local r = redis.call('HMGET', key, 'envelope', 'tenant')
      local env = held_envelope(id, r[1])
      if env then push_job(queue, r[2], env, true) end
      redis.call('HSET', key, 'status', 'queued', 'updated_at', at)
      redis.call('HDEL', key, 'worker_id', 'envelope')
      gone[#gone + 1] = env_key(id)  -- the list entry holds it
    else -- cancelled, skip
      redis.call('HSET', key, 'status', (kind == 'skip') and a or 'cancelled', 'updated_at', at)
      redis.call('HDEL', key, 'envelope')
      gone[#gone + 1] = env_key(id)
      redis.call('EXPIRE', key, ttl)
    end
  end
end
for i = 1, #gone, CHUNK do
  redis.call('DEL', unpack(gone, i, math.min(i + CHUNK - 1, #gone)))
end
local sec = 'pw:stats:s:' .. math.floor(now / 1000)
local min = 'pw:stats:m:' .. math.floor(now / 60000)
if next(counts) then
  for field, n in pairs(counts) do
    redis.call('HINCRBY', sec, field, n)
    redis.call('HINCRBY', min, field, n)
  end
  redis.call('EXPIRE', sec, 1000)
  redis.call('EXPIRE', min, 90000)
end
wake_workers()  -- the queues a requeue pushed to
return fenced
