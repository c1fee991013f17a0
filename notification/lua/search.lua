-- Shared helpers, prepended to the scripts that need them.
-- Stream ids are "<offset>-0"; the first field of every entry is "t", the create time in ms.
-- Entries someone else added (other ids, no "t") are passed over, never trusted.

local function offset_of(id)
  return tonumber(string.match(id, '^(%d+)'))
end

-- The create time of an entry laid out as the bus writes them (id "<n>-0", "t" first);
-- nil for any other entry.
local function time_of(entry)
  local fields = entry[2]
  if fields[1] ~= 't' or not string.match(entry[1], '-0$') then return nil end
  local digits = string.match(fields[2], '^%d+$')
  return digits and tonumber(digits)
end

-- The first entry of the bus at or after `offset`: its offset and create time, or nil.
local function entry_from(stream, offset)
  local start = string.format('%d-0', offset)
  while true do
    local found = redis.call('XRANGE', stream, start, '+', 'COUNT', 16)
    if #found == 0 then return nil, nil end
    for _, entry in ipairs(found) do
      local time = time_of(entry)
      if time then return offset_of(entry[1]), time end
    end
    start = '(' .. found[#found][1]
  end
end

-- The smallest offset whose create time is >= cutoff_ms; next_offset when there is none.
local function first_offset_since(stream, cutoff_ms, next_offset)
  local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)
  if #first == 0 then return next_offset end
  local lo, hi = offset_of(first[1][1]), next_offset
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    local offset, time = entry_from(stream, mid)
    if offset == nil or time >= cutoff_ms then hi = mid else lo = mid + 1 end
  end
  return (entry_from(stream, lo)) or next_offset
end

-- The store's clock in ms; never earlier than the last create time handed out.
local function store_now(meta)
  local clock = redis.call('TIME')
  local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
  local last = tonumber(redis.call('HGET', meta, 'last_time') or '0')
  if now < last then now = last end
  return now
end

-- Look up the retention boundary (the first offset created at or after now - retention),
-- record it in the meta hash and trim the log to it.
local function refresh_boundary(meta, log, now, retention)
  local next_offset = tonumber(redis.call('HGET', meta, 'offset') or '0') + 1
  local boundary = first_offset_since(log, now - retention, next_offset)
  redis.call('HSET', meta, 'trim_checked', now, 'trim_offset', boundary)
  redis.call('XTRIM', log, 'MINID', string.format('%d-0', boundary))
end
