-- Store one event atomically: assign the next offset and the create time, append it to the
-- log, its key's stream and its namespace's stream, remember the request id, and trim
-- history past retention.
-- KEYS: meta, log, key stream, sent marker, key index[, namespace stream]
-- ARGV: sent marker ttl (ms), retention (ms, 0 = keep all), layout version of a new store,
--       field/value pairs of the event...

local stored = redis.call('GET', KEYS[4])
if stored then
  local offset, time = string.match(stored, '^(%d+):(%d+)$')
  return {tonumber(offset), tonumber(time)}
end

local now = store_now(KEYS[1])
local layout = redis.call('HGET', KEYS[1], 'layout')
local offset = redis.call('HINCRBY', KEYS[1], 'offset', 1)
if not layout and offset == 1 then
  layout = ARGV[3]
  redis.call('HSET', KEYS[1], 'layout', layout)
end
redis.call('HSET', KEYS[1], 'last_time', now)

-- A store of layout 1 (or used by a release before layouts) has no namespace streams yet.
local streams = {KEYS[2], KEYS[3]}
if KEYS[6] and tonumber(layout or '1') >= 2 then streams[3] = KEYS[6] end
local fields = {'t', string.format('%d', now)}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end

-- Append at `offset` to every stream; on the first refusal undo the appends already made.
local function append_at(offset)
  local id = string.format('%d-0', offset)
  for i, stream in ipairs(streams) do
    local reply = redis.pcall('XADD', stream, id, unpack(fields))
    if type(reply) == 'table' and reply.err then
      for j = 1, i - 1 do redis.call('XDEL', streams[j], id) end
      return false
    end
  end
  return true
end

-- Someone else added an entry at or past the counter's id (XADD ... *, or an explicit id):
-- move the counter past the last id any of the streams ever generated, and append there.
local function last_generated(stream)
  if redis.call('EXISTS', stream) == 0 then return 0 end
  local info = redis.call('XINFO', 'STREAM', stream)
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then return offset_of(info[i + 1]) end
  end
  return 0
end

if not append_at(offset) then
  for _, stream in ipairs(streams) do offset = math.max(offset, last_generated(stream) + 1) end
  redis.call('HSET', KEYS[1], 'offset', string.format('%d', offset))
  if not append_at(offset) then return redis.error_reply('event bus: no free offset after ' .. offset) end
end
for i = 2, #streams do redis.call('SADD', KEYS[5], streams[i]) end
redis.call('SET', KEYS[4], string.format('%d:%d', offset, now), 'PX', ARGV[1])

local retention = tonumber(ARGV[2])
if retention > 0 then
  local checked = tonumber(redis.call('HGET', KEYS[1], 'trim_checked') or '0')
  if now - checked >= 1000 then refresh_boundary(KEYS[1], KEYS[2], now, retention) end
  local boundary = redis.call('HGET', KEYS[1], 'trim_offset')
  for i = 2, #streams do redis.call('XTRIM', streams[i], 'MINID', boundary .. '-0') end
end
return {offset, now}
