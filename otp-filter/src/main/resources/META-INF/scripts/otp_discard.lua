-- Removes a code that was stored but could not be delivered, unless a newer code replaced it meanwhile.
-- KEYS[1]  the phone's code key
-- ARGV[1]  generation of the undelivered code
-- Returns {1} if removed, {0} otherwise
local code_key = KEYS[1]
local generation = ARGV[1]

if redis.call('HGET', code_key, 'g') == generation then
  redis.call('DEL', code_key)
  return {1}
end
return {0}
