-- reclaim: take back jobs whose lease expired (their worker died or hung).
-- Atomic, so when many workers run it at once each job is taken back by one.
-- The lost attempt counts: a job out of attempts is dead-lettered.
-- KEYS[1] pw:leases (members "<lease_token>:<id>")  KEYS[2] pw:dead
-- ARGV[1] now_ms  ARGV[2] limit  ARGV[3] terminal_ttl_seconds  ARGV[4] default_max_attempts
-- Returns a flat array, groups of 6: id, queue, old_worker_id, old_lease_token,
-- attempt_count (after counting the lost attempt), outcome ("requeued" | "failed").
local now, limit, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
-- @include push_job
local out = {}
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, limit)
for _, member in ipairs(expired) do
  redis.call('ZREM', KEYS[1], member)
  local token, id = string.match(member, '^(%d+):(.+)$')
  if id == nil then id = member end  -- a lease written before members carried tokens
  local key = 'job:' .. id
  local h = redis.call('HMGET', key, 'queue', 'envelope', 'worker_id', 'lease_token',
    'attempt_count', 'max_attempts', 'tenant')
  -- Only the lease the hash names is taken back: another member of the same
  -- job would be one its newer lease has already replaced.
  local env = h[1] and held_envelope(id, h[2])
  if env and (token == nil or token == h[4]) then
    local attempts = (tonumber(h[5]) or 0) + 1
    local max_attempts = tonumber(h[6]) or tonumber(ARGV[4])
    local outcome
    if attempts >= max_attempts then
      outcome = 'failed'
      redis.call('HSET', key, 'status', 'failed', 'attempt_count', attempts, 'failed_at', now,
        'last_error', 'lease expired: worker ' .. (h[3] or '?') .. ' stopped reporting', 'updated_at', now)
      redis.call('HDEL', key, 'envelope')
      redis.call('DEL', env_key(id))
      redis.call('ZADD', KEYS[2], now, id)
      redis.call('EXPIRE', key, ttl)
    else
      outcome = 'requeued'
      push_job(h[1], h[7], env, true)
      redis.call('HSET', key, 'status', 'queued', 'attempt_count', attempts, 'updated_at', now)
      redis.call('HDEL', key, 'worker_id', 'envelope')
      redis.call('DEL', env_key(id))  -- the list entry holds it
    end
    out[#out + 1] = id
    out[#out + 1] = h[1]
    out[#out + 1] = h[3] or ''
    out[#out + 1] = h[4] or '0'
    out[#out + 1] = tostring(attempts)
    out[#out + 1] = outcome
  end
end
wake_workers()
return out
