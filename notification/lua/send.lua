-- Store one event atomically: assign the next offset and the create time, append it to the
-- log and to its key's stream, remember the request id, and trim history past retention.
-- KEYS: meta, log, key stream, sent marker, key index
-- ARGV: sent marker ttl (ms), retention (ms, 0 = keep all), field/value pairs of the event...

local stored = redis.call('GET', KEYS[4])
if stored then
  local offset, time = string.match(stored, '^(%d+):(%d+)$')
  return {tonumber(offset), tonumber(time)}
end

local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local last = tonumber(redis.call('HGET', KEYS[1], 'last_time') or '0')
if now < last then now = last end
local offset = redis.call('HINCRBY', KEYS[1], 'offset', 1)
redis.call('HSET', KEYS[1], 'last_time', now)

local id = string.format('%d-0', offset)
local fields = {'t', string.format('%d', now)}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('XADD', KEYS[2], id, unpack(fields))
redis.call('XADD', KEYS[3], id, unpack(fields))
redis.call('SADD', KEYS[5], KEYS[3])
redis.call('SET', KEYS[4], string.format('%d:%d', offset, now), 'PX', ARGV[1])

local retention = tonumber(ARGV[2])
if retention > 0 then
  local checked = tonumber(redis.call('HGET', KEYS[1], 'trim_checked') or '0')
  if now - checked >= 1000 then
    local boundary = first_offset_since(KEYS[2], now - retention, offset + 1)
    redis.call('HSET', KEYS[1], 'trim_checked', now, 'trim_offset', boundary)
    redis.call('XTRIM', KEYS[2], 'MINID', string.format('%d-0', boundary))
  end
  local boundary = redis.call('HGET', KEYS[1], 'trim_offset')
  redis.call('XTRIM', KEYS[3], 'MINID', boundary .. '-0')
end
return {offset, now}
