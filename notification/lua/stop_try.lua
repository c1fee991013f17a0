-- Stop a try: take its claim as 'stopped' if nobody has it (1: the caller reports STOPPED),
-- or find it 'stopped' already (1 again, so a repeated stop reports the same); else ask its worker
-- to stop it: set the stop key and publish on the stop channel of the same name (0).
-- KEYS: claim, stop. ARGV: TTL of the claim and of the stop key (s)
local current = redis.call('GET', KEYS[1])
if not current then
  redis.call('SET', KEYS[1], 'stopped', 'EX', ARGV[1])
  return 1
end
if current == 'stopped' then return 1 end
redis.call('SET', KEYS[2], '1', 'EX', ARGV[1])
redis.call('PUBLISH', KEYS[2], 'stop')
return 0
