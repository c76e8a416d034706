-- release_orphans: after a connection loss during a fetch, the fetch may have
-- leased jobs whose reply never reached the worker. Put back, at the head of
-- their queue and without using an attempt, every job leased to this worker
-- that the worker does not know it holds (instead of waiting for the lease to
-- expire). Cost: one pass over pw:leases, only after an outage.
-- KEYS[1] pw:leases (members "<lease_token>:<id>")
-- ARGV[1] worker_id  ARGV[2] now_ms  ARGV[3..] ids the worker holds
-- Returns the number of jobs released.
local worker, now = ARGV[1], tonumber(ARGV[2])
-- @include push_job
local known = {}
for i = 3, #ARGV do known[ARGV[i]] = true end
local released = 0
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local token, id = string.match(member, '^(%d+):(.+)$')
  if id == nil then id = member end  -- a lease written before members carried tokens
  if not known[id] then
    local key = 'job:' .. id
    local h = redis.call('HMGET', key, 'worker_id', 'queue', 'envelope', 'status', 'tenant',
      'lease_token')
    local env = h[1] == worker and h[4] == 'processing' and held_envelope(id, h[3])
    if env and h[2] and (token == nil or token == h[6]) then
      redis.call('ZREM', KEYS[1], member)
      push_job(h[2], h[5], env, true)
      redis.call('HSET', key, 'status', 'queued', 'updated_at', now)
      redis.call('HDEL', key, 'worker_id', 'envelope')
      redis.call('DEL', env_key(id))  -- the list entry holds it
      released = released + 1
    end
  end
end
wake_workers()
return released
