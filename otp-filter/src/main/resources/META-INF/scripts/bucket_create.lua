-- Creates a rate-limit bucket unless Redis already holds one: the compare-and-swap from "no bucket".
-- KEYS[1]  the bucket's key
-- ARGV[1]  the new state, bucket4j's serialized bucket
-- ARGV[2]  time to live in milliseconds
-- Returns {1} if created; else {0, the state Redis holds}, which the caller computes its next try from
local bucket_key = KEYS[1]
local new_state = ARGV[1]
local ttl_millis = ARGV[2]

if redis.call('SET', bucket_key, new_state, 'NX', 'PX', ttl_millis) then
  return {1}
end
return {0, redis.call('GET', bucket_key)}
