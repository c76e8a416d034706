-- lib/push_job: shared by every script that puts a job on a queue; spliced in
-- where a script names it with the include marker (src/redis/scripts.cpp).
-- Jobs with a tenant wait in a per-tenant list (pw:tq:<queue>:<tenant>); a
-- ring (pw:tr:<queue>) lists the tenants with work, so fetch can serve them
-- round-robin. pw:tcount counts tenant-list entries per queue. Jobs without a
-- tenant (and every foreign producer's plain LPUSH) use the queue list itself.
-- Where a scheduled or leased job's envelope is held (keys::Envelope in C++);
-- a job on a queue list has only its list entry.
local function env_key(id) return 'pw:env:' .. id end

-- A scheduled or leased job's envelope: pw:env:<id>, or the hash's `envelope`
-- field where a version before pw:env wrote it. false when there is none.
local function held_envelope(id, hash_envelope)
  local env = redis.call('GET', env_key(id))
  if env then return env end
  if hash_envelope and hash_envelope ~= '' then return hash_envelope end
  return false
end

-- Queues that got work in this call. wake_workers() pushes one wake-up token
-- to each one's pw:wake:<queue> list (capped at 16), where the workers that
-- serve that queue wait (one BRPOP over the wake lists of their queues), so a
-- push wakes a worker of its own queue, never one of another pool.
local woken = {}
local function wake_key(queue) return 'pw:wake:' .. queue end
local function wake_workers()
  for queue in pairs(woken) do
    redis.call('LPUSH', wake_key(queue), '1')
    redis.call('LTRIM', wake_key(queue), 0, 15)
  end
end

local function push_job(queue, tenant, env, at_head)
  woken[queue] = true
  if tenant == nil or tenant == false or tenant == '' then
    if at_head then redis.call('RPUSH', queue, env) else redis.call('LPUSH', queue, env) end
    return
  end
  local tq = 'pw:tq:' .. queue .. ':' .. tenant
  local n
  if at_head then n = redis.call('RPUSH', tq, env) else n = redis.call('LPUSH', tq, env) end
  if n == 1 then redis.call('RPUSH', 'pw:tr:' .. queue, tenant) end
  redis.call('HINCRBY', 'pw:tcount', queue, 1)
end
