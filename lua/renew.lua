-- renew: extend the leases of every job this process still runs (one call per
-- renewal tick for the whole process, not one per job).
-- KEYS[1] pw:leases (members "<lease_token>:<id>")
-- ARGV[1] new_deadline_ms, ARGV[2..] pairs: id, lease_token
-- Returns the ids whose lease is no longer ours (reclaimed or finished elsewhere):
-- the caller cancels those attempts.
local deadline = ARGV[1]
local lost = {}
for i = 2, #ARGV, 2 do
  local id, member = ARGV[i], ARGV[i + 1] .. ':' .. ARGV[i]
  if redis.call('ZSCORE', KEYS[1], member) then
    redis.call('ZADD', KEYS[1], 'XX', deadline, member)
  else
    lost[#lost + 1] = id
  end
end
return lost
