-- Whether one pumping scope (a number range or a region) is blocked, and for how long still.
-- KEYS[1]  the scope's key (a hash: b = blocked until, Redis time in ms; s<step> / v<step> = counts)
-- ARGV[1]  now in ms, or '' for Redis TIME
-- Returns {ms_left}: 0 when the scope is not blocked
local scope_key = KEYS[1]
local now_ms = tonumber(ARGV[1])
if not now_ms then
  local time = redis.call('TIME')
  now_ms = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end

local blocked_until = tonumber(redis.call('HGET', scope_key, 'b'))
if not blocked_until or blocked_until <= now_ms then
  return {0}
end
return {blocked_until - now_ms}
