-- fetch: promote due scheduled jobs, then lease up to max_jobs jobs from the
-- queue lists in the order given (the caller's priority order).
-- KEYS[1] pw:scheduled  KEYS[2] pw:leases (members "<lease_token>:<id>")
-- KEYS[3] pw:wake (the one wake list of versions before pw:wake:<queue>)  KEYS[4] pw:seq:lease
-- KEYS[5] pw:seq:malformed  KEYS[6..] queue lists, first = highest priority
-- ARGV[1] now_ms  ARGV[2] worker_id  ARGV[3] lease_deadline_ms  ARGV[4] max_jobs
-- ARGV[5] promote_limit
-- A job waiting on a queue list has no other copy of its envelope: the entry is
-- its envelope (stored once, and read into Lua once). An entry is decoded (cjson)
-- only when its leading "id" does not name a queued job of this queue: this
-- system's own entries skip the JSON parse. The lease writes the entry to
-- pw:env:<id>, where reclaims, retries and requeues find it (one MSET per batch).
-- Returns { jobs, next_scheduled_ms (-1 if none), more (1 when work remains on
-- these queues, else 0) } where jobs is a flat array of
-- groups of 7: id, queue, lease_token, envelope, attempt_count, max_attempts, malformed_reason
-- (attempt_count / max_attempts are "" when unknown; malformed_reason is "" for a good job).
local now = tonumber(ARGV[1])
local worker, deadline = ARGV[2], ARGV[3]
-- Commands take times as the strings they came as: a Lua number passed to
-- redis.call is formatted with printf on every call.
local at = ARGV[1]
local max_jobs, promote_limit = tonumber(ARGV[4]), tonumber(ARGV[5])
-- @include push_job

-- 1. Scheduled jobs (retries, delays, reschedules) whose time has come.
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, promote_limit)
for _, id in ipairs(due) do
  redis.call('ZREM', KEYS[1], id)
  local h = redis.call('HMGET', 'job:' .. id, 'queue', 'envelope', 'tenant')
  local env = held_envelope(id, h[2])
  if h[1] and env then
    push_job(h[1], h[3], env, false)
    redis.call('HSET', 'job:' .. id, 'status', 'queued', 'updated_at', at)
    -- On a list now: the entry holds it.
    redis.call('DEL', env_key(id))
    if h[2] then redis.call('HDEL', 'job:' .. id, 'envelope') end
  end
end

-- Fencing tokens only grow, also across a Redis restart that lost the counter.
-- (Lua formats large numbers lossily, so every token travels as a %d string.)
if redis.call('EXISTS', KEYS[4]) == 0 then
  redis.call('SET', KEYS[4], string.format('%d', now * 1000))
end

-- 2. Lease jobs, highest priority queue first. Every job gets its own fencing
-- token; the counter moves once per call (INCRBY) rather than once per job.
-- Within a queue, the queue list itself and each tenant with work get an equal
-- share per round (the rest of the batch split evenly, rounded up so that one
-- round usually fills the batch; a tenant the round does not reach is first in
-- the ring for the next fetch),
-- so one tenant's 100,000-job campaign cannot starve another's 100. Each share
-- is one RPOP with a count: the cost grows with the tenants served, not with
-- the jobs.
local function pop_fair(queue, want)
  local got = {}
  local ring = 'pw:tr:' .. queue
  if redis.call('EXISTS', ring) == 0 then
    local items = redis.call('RPOP', queue, want)
    return items or got
  end
  local from_tenants = 0
  local plain_empty = false
  while #got < want do
    local tenants = redis.call('LRANGE', ring, 0, -1)
    local shares = #tenants + (plain_empty and 0 or 1)
    if shares == 0 then break end
    local quantum = math.max(1, math.ceil((want - #got) / shares))
    local progressed = false
    if not plain_empty then
      local items = redis.call('RPOP', queue, quantum)
      if items then
        for _, e in ipairs(items) do got[#got + 1] = e end
        progressed = true
      end
      if not items or #items < quantum then plain_empty = true end
    end
    local visited = 0  -- served tenants still in the ring, from its head
    for _, t in ipairs(tenants) do
      if #got >= want then break end
      local take = math.min(quantum, want - #got)
      local tq = 'pw:tq:' .. queue .. ':' .. t
      local items = redis.call('RPOP', tq, take)
      local n = items and #items or 0
      for i = 1, n do got[#got + 1] = items[i] end
      from_tenants = from_tenants + n
      if n > 0 then progressed = true end
      if n < take or redis.call('LLEN', tq) == 0 then
        redis.call('LREM', ring, 0, t)
      else
        visited = visited + 1
      end
    end
    -- The tenants served this round go to the back of the ring, so the next
    -- fetch starts with those this one did not reach.
    local left = redis.call('LLEN', ring)
    if visited < left then
      for _ = 1, visited do redis.call('LMOVE', ring, ring, 'LEFT', 'RIGHT') end
    end
    if not progressed then break end
  end
  if from_tenants > 0 then redis.call('HINCRBY', 'pw:tcount', queue, -from_tenants) end
  return got
end

local items_by_queue, total = {}, 0
for qi = 6, #KEYS do
  if total >= max_jobs then break end
  local items = pop_fair(KEYS[qi], max_jobs - total)
  if #items > 0 then
    items_by_queue[#items_by_queue + 1] = { KEYS[qi], items }
    total = total + #items
  end
end
-- Hash fields an entry changes beyond the lease's own: NONE (shared, never
-- written) for this system's own entries, so the common case builds no table.
local NONE = {}
local function with(fields, field, value)
  if fields == NONE then fields = {} end
  fields[#fields + 1] = field
  fields[#fields + 1] = value
  return fields
end
local out, n = {}, 0
local leases = {}
local envs = {}  -- pw:env:<id>, envelope: one MSET per batch
local leased_now = {}
local next_token = 0
if total > 0 then next_token = redis.call('INCRBY', KEYS[4], total) - total end
for _, group in ipairs(items_by_queue) do
  local queue = group[1]
  for _, raw in ipairs(group[2]) do
    -- Fast path: the first "id":"..." before any brace is the top-level id of
    -- a JSON object (in valid JSON that text cannot occur inside a string or a
    -- nested object, and this system writes keys sorted, "id" before
    -- "payload"). When it names a job queued on this very queue, that is the
    -- entry's job: no JSON decode. (An entry that is not valid JSON after all
    -- reaches the worker, which dead-letters that job as malformed, with the
    -- reason; `dlq retry` brings it back from PostgreSQL.)
    -- Found with plain searches (C, memchr): a Lua pattern steps through the
    -- entry a character at a time, 5% of the script's cost per job.
    local id, reason, env, h = nil, '', nil, nil
    local candidate
    local at_id = string.byte(raw, 1) == 123 and string.find(raw, '"id":"', 2, true)
    if at_id then
      local close = string.find(raw, '"', at_id + 6, true)
      local open_brace = string.find(raw, '{', 2, true)
      local close_brace = string.find(raw, '}', 2, true)
      if close and close > at_id + 6 and (not open_brace or open_brace > at_id)
        and (not close_brace or close_brace > at_id) then
        candidate = string.sub(raw, at_id + 6, close - 1)
        if string.find(candidate, '\\', 1, true) then candidate = nil end
      end
    end
    local key
    if candidate then
      key = 'job:' .. candidate
      h = redis.call('HMGET', key, 'status', 'attempt_count', 'max_attempts', 'queue', 'run_at')
      if h[1] == 'queued' and h[4] == queue then id = candidate end
    end
    if id == nil then
      local ok
      ok, env = pcall(cjson.decode, raw)
      if not ok then
        reason = 'malformed job JSON: ' .. tostring(env)
      elseif type(env) ~= 'table' or env[1] ~= nil then
        reason = 'job JSON is not an object'
      elseif type(env.id) == 'string' and #env.id > 0 and #env.id <= 256 then
        id = env.id
      elseif type(env.id) == 'number' and env.id == math.floor(env.id) and math.abs(env.id) < 2^53 then
        id = string.format('%d', env.id)
      else
        reason = 'job JSON has no valid "id" (a non-empty string of at most 256 bytes)'
      end
      if id == nil then id = 'malformed-' .. redis.call('INCR', KEYS[5]) end
      if id ~= candidate then
        key = 'job:' .. id
        h = redis.call('HMGET', key, 'status', 'attempt_count', 'max_attempts', 'queue', 'run_at')
      end
    end
    local duplicate = false
    if leased_now[id] then
      -- Pushed twice and both copies popped by this fetch: one runs.
      duplicate = true
    elseif h[1] == 'cancelled' or h[1] == 'completed' or h[1] == 'failed' then
      -- Cancelled while queued, or a stale entry of a job that has finished
      -- (a reclaim requeued it after PostgreSQL recorded its outcome, and
      -- the reclaimer settled it): drop the entry, never run it.
      duplicate = true
    elseif h[1] == 'processing' then
      local lease_token = redis.call('HGET', key, 'lease_token')
      local leased = lease_token and redis.call('ZSCORE', KEYS[2], lease_token .. ':' .. id)
      -- The same job is already running elsewhere: this entry is a duplicate push.
      duplicate = leased and tonumber(leased) > now
    end
    if not duplicate then
      local attempts = h[2] or ''
      if attempts == '' and type(env) == 'table' and type(env.attempt_count) == 'number' then
        attempts = tostring(env.attempt_count)
      end
      local max_attempts = h[3] or ''
      if type(env) == 'table' and type(env.max_attempts) == 'number' then
        max_attempts = tostring(env.max_attempts)
      end
      next_token = next_token + 1
      local token = string.format('%d', next_token)
      -- A foreign producer's entry, or one whose hash says otherwise: the hash
      -- takes the entry as it runs. This system's own entries (the common
      -- case) change none of these and build no table.
      local extra = NONE
      if h[4] ~= queue then extra = with(extra, 'queue', queue) end
      if attempts ~= '' and attempts ~= h[2] then extra = with(extra, 'attempt_count', attempts) end
      if max_attempts ~= '' and max_attempts ~= h[3] then
        extra = with(extra, 'max_attempts', max_attempts)
      end
      if h[1] and h[1] ~= 'queued' then
        -- Seen before in another state: it may carry a TTL (a finished job's
        -- hash) that a running job must not have.
        redis.call('PERSIST', key)
      end
      if h[5] then
        -- Scheduled once (a delay, retry or reschedule: every schedule entry
        -- comes with run_at in the hash), so a schedule entry may be left; the
        -- job must not run twice. Jobs never scheduled skip the ZREM.
        redis.call('ZREM', KEYS[1], id)
      end
      redis.call('HSET', key, 'status', 'processing', 'worker_id', worker, 'started_at', at,
        'lease_token', token, 'updated_at', at, unpack(extra))
      envs[2 * n + 1] = 'pw:env:' .. id  -- env_key(id)
      envs[2 * n + 2] = raw
      -- The lease's member carries its fencing token ("<token>:<id>"), so
      -- finish proves the lease with the member alone; one ZADD per batch.
      leases[2 * n + 1] = deadline
      leases[2 * n + 2] = token .. ':' .. id
      leased_now[id] = true
      local o = 7 * n
      out[o + 1] = id
      out[o + 2] = queue
      out[o + 3] = token
      out[o + 4] = raw
      out[o + 5] = attempts
      out[o + 6] = max_attempts
      out[o + 7] = reason
      n = n + 1
    end
  end
end

-- Variadic, in chunks (unpack's limit is 8,000 values).
for i = 1, #leases, 2000 do
  redis.call('ZADD', KEYS[2], unpack(leases, i, math.min(i + 1999, #leases)))
end
for i = 1, #envs, 2000 do
  redis.call('MSET', unpack(envs, i, math.min(i + 1999, #envs)))
end

-- 3. Wake another idle worker of each queue that still has work; clear the
-- stale tokens of the others. Jobs promoted to a queue this worker does not
-- serve wake that queue's workers.
local remaining = 0
for qi = 6, #KEYS do
  local left = redis.call('LLEN', KEYS[qi])
    + (tonumber(redis.call('HGET', 'pw:tcount', KEYS[qi])) or 0)
  remaining = remaining + left
  if left > 0 then
    woken[KEYS[qi]] = true
  else
    woken[KEYS[qi]] = nil
    redis.call('DEL', wake_key(KEYS[qi]))
  end
end
wake_workers()
-- Tokens a producer of the previous version left on the single list.
if remaining == 0 then redis.call('DEL', KEYS[3]) end

local next_due = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local next_ms = -1
if next_due[2] then next_ms = tonumber(next_due[2]) end
-- Due jobs beyond this call's promote limit are work too: fetch again at once.
local more = remaining > 0 or (next_ms >= 0 and next_ms <= now)
-- The third element says whether work remains on these queues: when it does
-- not, the worker waits on their wake lists instead of fetching again (every
-- push wakes them; their stale tokens were cleared above, atomically with
-- this check).
return { out, next_ms, more and 1 or 0 }
