-- The largest offset of an event created before ARGV[1] (ms); 0 when there is none.
-- KEYS: meta, log
local last = tonumber(redis.call('HGET', KEYS[1], 'offset') or '0')
return first_offset_since(KEYS[2], tonumber(ARGV[1]), last + 1) - 1
