-- One page of the upgrade to layout 2: copy the log's events after ARGV[1] into their
-- namespace's stream (skipping any already there), and record the layout once the page
-- reaches the end of the log, in this same script, so no send slips in between.
-- KEYS: meta, log, stream index
-- ARGV: entry id to continue after, page size, namespace stream name prefix, layout version
-- Returns {1 when done else 0, the last entry id read}.

local page = tonumber(ARGV[2])
local entries = redis.call('XRANGE', KEYS[2], '(' .. ARGV[1], '+', 'COUNT', page)
for _, entry in ipairs(entries) do
  local fields = entry[2]
  local namespace = nil
  for i = 1, #fields, 2 do
    if fields[i] == 'n' then namespace = fields[i + 1] end
  end
  if namespace and namespace ~= '' and time_of(entry) then
    local stream = ARGV[3] .. namespace
    -- Refused when the stream already holds this id or a later one: copied before.
    local reply = redis.pcall('XADD', stream, entry[1], unpack(fields))
    if type(reply) ~= 'table' or not reply.err then redis.call('SADD', KEYS[3], stream) end
  end
end
local last = ARGV[1]
if #entries > 0 then last = entries[#entries][1] end
if #entries < page then
  redis.call('HSET', KEYS[1], 'layout', ARGV[4])
  return {1, last}
end
return {0, last}
