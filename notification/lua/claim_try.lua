-- Claim a try to run it and set its first heartbeat, in one step; 1 when the caller holds the claim.
-- A retry by the same holder (same value) finds its own claim and succeeds again.
-- KEYS: claim, heartbeat. ARGV: holder, claim TTL (s), heartbeat value, heartbeat TTL (ms)
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
return 1
