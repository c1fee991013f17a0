-- Shared helpers, prepended to the scripts that need them.
-- Stream ids are "<offset>-0"; the first field of every entry is "t", the create time in ms.

local function offset_of(id)
  return tonumber(string.match(id, '^(%d+)'))
end

-- The first entry at or after `offset`: its offset and create time, or nil.
local function entry_from(stream, offset)
  local found = redis.call('XRANGE', stream, string.format('%d-0', offset), '+', 'COUNT', 1)
  if #found == 0 then return nil, nil end
  return offset_of(found[1][1]), tonumber(found[1][2][2])
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
