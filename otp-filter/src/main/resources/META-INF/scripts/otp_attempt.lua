-- Reserves one verification attempt of the phone's live code, atomically: of N concurrent guesses at most
-- max_attempts are ever admitted, and a spent code stays dead until it expires.
-- KEYS[1]  the phone's code key
-- ARGV[1]  max attempts per code
-- Returns {status, attempts_used, ttl_ms, generation}
--   status 0: no live code (expired, used or never sent)
--   status 1: attempt admitted; attempts_used counts it
--   status 2: attempts exhausted; the code is dead
local code_key = KEYS[1]
local max_attempts = tonumber(ARGV[1])

local generation = redis.call('HGET', code_key, 'g')
if not generation then
  return {0, 0, 0, 0}
end
local attempts = redis.call('HINCRBY', code_key, 'n', 1)
local ttl_ms = redis.call('PTTL', code_key)
if attempts > max_attempts then
  -- Keep the count from growing without bound under a flood of guesses; the key keeps its TTL.
  redis.call('HSET', code_key, 'n', max_attempts + 1)
  return {2, max_attempts, ttl_ms, tonumber(generation)}
end
return {1, attempts, ttl_ms, tonumber(generation)}
