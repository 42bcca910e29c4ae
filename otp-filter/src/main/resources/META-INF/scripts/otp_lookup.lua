-- Reads what support may see of one phone's code and changes nothing: whether a live code exists, the attempts
-- it has used and the time it has left. The code's HMAC never leaves Redis.
-- KEYS[1]  the phone's code key
-- Returns {live (0 or 1), attempts_used, ttl_ms}
local code_key = KEYS[1]

local stored = redis.call('HMGET', code_key, 'g', 'n')
if not stored[1] then
  return {0, 0, 0}
end
return {1, tonumber(stored[2]) or 0, redis.call('PTTL', code_key)}
