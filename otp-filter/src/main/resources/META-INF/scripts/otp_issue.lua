-- Stores a new code for one phone, replacing any previous code and its attempt count.
-- KEYS[1]  the phone's code key (a hash: h = HMAC of the code, g = generation, n = attempts used)
-- ARGV[1]  HMAC-SHA256 of the code (hex)
-- ARGV[2]  generation: a random id of this code, so later steps never act on a newer code by mistake
-- ARGV[3]  time to live in milliseconds; Redis, not the gateway's clock, decides expiry
-- Returns {1}
local code_key = KEYS[1]
local code_hash = ARGV[1]
local generation = ARGV[2]
local ttl_ms = tonumber(ARGV[3])

redis.call('DEL', code_key)
redis.call('HSET', code_key, 'h', code_hash, 'g', generation, 'n', 0)
redis.call('PEXPIRE', code_key, ttl_ms)
return {1}
