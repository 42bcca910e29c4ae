-- Replaces a rate-limit bucket if Redis still holds the state it was computed from: the compare-and-swap.
-- KEYS[1]  the bucket's key
-- ARGV[1]  the state read, bucket4j's serialized bucket
-- ARGV[2]  the new state
-- ARGV[3]  time to live in milliseconds
-- Returns {1} if replaced; else {0, the state Redis holds}, or {0} when it holds none (the key expired)
local bucket_key = KEYS[1]
local read_state = ARGV[1]
local new_state = ARGV[2]
local ttl_millis = ARGV[3]

local held = redis.call('GET', bucket_key)
if held == read_state then
  redis.call('SET', bucket_key, new_state, 'PX', ttl_millis)
  return {1}
end
if held then
  return {0, held}
end
return {0}
