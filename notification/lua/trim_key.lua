-- Trim one key's stream to the retention boundary; drop it from the index once it is empty.
-- KEYS: meta, key stream, key index
local boundary = redis.call('HGET', KEYS[1], 'trim_offset')
if boundary then redis.call('XTRIM', KEYS[2], 'MINID', boundary .. '-0') end
if redis.call('XLEN', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[2])
  redis.call('SREM', KEYS[3], KEYS[2])
  return 1
end
return 0
