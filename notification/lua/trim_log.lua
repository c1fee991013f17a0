-- Refresh the retention boundary now and trim the log to it; return the boundary.
-- KEYS: meta, log
-- ARGV: retention (ms)
refresh_boundary(KEYS[1], KEYS[2], store_now(KEYS[1]), tonumber(ARGV[1]))
return tonumber(redis.call('HGET', KEYS[1], 'trim_offset'))
