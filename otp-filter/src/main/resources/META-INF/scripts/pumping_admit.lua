-- Admits one code to a pumping scope unless the scope is blocked, and counts it as sent at once, so that
-- concurrent sends to one scope see each other's counts: the code that makes the scope suspected blocks it, and
-- no code after it is admitted. A code that does not go out after all is taken back (pumping_uncount.lua).
-- KEYS[1]  the scope's key (a hash: b = blocked until, Redis time in ms; s<step> / v<step> = codes sent /
--          verified in that step, a sixtieth of the window)
-- ARGV[1]  step length in ms
-- ARGV[2]  steps in the window, the current one included
-- ARGV[3]  codes sent in the window from which a scope can be suspected
-- ARGV[4]  conversion (verified / sent) below which it is
-- ARGV[5]  block length in ms
-- ARGV[6]  now in ms, or '' for Redis TIME
-- Returns {ms_left, 0, 0, 0, 0} when the scope is blocked (nothing counted), else {0, step, tripped, sent,
-- verified}: counted in step; tripped = 1 when this code made the scope suspected, which blocked it and started
-- its counts afresh (a block is counted once across the fleet); sent and verified in the window, this code
-- included.
local scope_key = KEYS[1]
local step_ms = tonumber(ARGV[1])
local steps = tonumber(ARGV[2])
local min_sends = tonumber(ARGV[3])
local min_conversion = tonumber(ARGV[4])
local block_ms = tonumber(ARGV[5])
local now_ms = tonumber(ARGV[6])
if not now_ms then
  local time = redis.call('TIME')
  now_ms = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end

local blocked_until = tonumber(redis.call('HGET', scope_key, 'b'))
if blocked_until and blocked_until > now_ms then
  return {blocked_until - now_ms, 0, 0, 0, 0}
end

local step = math.floor(now_ms / step_ms)
local oldest = step - steps + 1
redis.call('HINCRBY', scope_key, 's' .. step, 1)
local sent, verified = 0, 0
local fields = redis.call('HGETALL', scope_key)
for i = 1, #fields, 2 do
  local name = fields[i]
  local field_kind = string.sub(name, 1, 1)
  if field_kind == 's' or field_kind == 'v' then
    if tonumber(string.sub(name, 2)) < oldest then
      redis.call('HDEL', scope_key, name)
    elseif field_kind == 's' then
      sent = sent + tonumber(fields[i + 1])
    else
      verified = verified + tonumber(fields[i + 1])
    end
  end
end

if sent >= min_sends and verified < sent * min_conversion then
  -- After the block the scope must earn its verdict again.
  redis.call('DEL', scope_key)
  redis.call('HSET', scope_key, 'b', now_ms + block_ms)
  redis.call('PEXPIRE', scope_key, block_ms)
  return {0, step, 1, sent, verified}
end
-- Long enough for the whole window.
local ttl_ms = step_ms * (steps + 1)
if redis.call('PTTL', scope_key) < ttl_ms then
  redis.call('PEXPIRE', scope_key, ttl_ms)
end
return {0, step, 0, sent, verified}
