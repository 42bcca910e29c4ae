-- Blocks one pumping scope and starts its counts afresh, unless it is blocked already (another instance tripped
-- it first), so a trip is counted once across the fleet. After the block the scope must earn its verdict again.
-- KEYS[1]  the scope's key
-- ARGV[1]  block length in ms
-- ARGV[2]  now in ms, or '' for Redis TIME
-- Returns {1, ms_left} when this call blocked it, {0, ms_left} when it was blocked already
local scope_key = KEYS[1]
local block_ms = tonumber(ARGV[1])
local now_ms = tonumber(ARGV[2])
if not now_ms then
  local time = redis.call('TIME')
  now_ms = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end

local blocked_until = tonumber(redis.call('HGET', scope_key, 'b'))
if blocked_until and blocked_until > now_ms then
  return {0, blocked_until - now_ms}
end
redis.call('DEL', scope_key)
redis.call('HSET', scope_key, 'b', now_ms + block_ms)
redis.call('PEXPIRE', scope_key, block_ms)
return {1, block_ms}
