-- Counts one sent ('s') or verified ('v') code of one pumping scope and sums both over the window.
-- The window is counted in fixed steps (a sixtieth of it): one hash field per kind and step, summed here and
-- dropped once older than the window, so the hash holds at most two fields per step and a check is one HGET.
-- KEYS[1]  the scope's key (a hash: b = blocked until; s<step> / v<step> = codes sent / verified in that step)
-- ARGV[1]  's' or 'v'
-- ARGV[2]  step length in ms
-- ARGV[3]  steps in the window, the current one included
-- ARGV[4]  now in ms, or '' for Redis TIME
-- Returns {sent, verified} in the window, this code included
local scope_key = KEYS[1]
local kind = ARGV[1]
local step_ms = tonumber(ARGV[2])
local steps = tonumber(ARGV[3])
local now_ms = tonumber(ARGV[4])
if not now_ms then
  local time = redis.call('TIME')
  now_ms = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end

local step = math.floor(now_ms / step_ms)
local oldest = step - steps + 1
redis.call('HINCRBY', scope_key, kind .. step, 1)
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
-- Long enough for the whole window; never shortens a block.
local ttl_ms = step_ms * (steps + 1)
if redis.call('PTTL', scope_key) < ttl_ms then
  redis.call('PEXPIRE', scope_key, ttl_ms)
end
return {sent, verified}
