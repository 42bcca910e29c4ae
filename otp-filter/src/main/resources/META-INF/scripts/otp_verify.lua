-- Checks a candidate against the phone's code and deletes the code on success, in one atomic step: a code
-- verifies at most once, even under concurrent requests.
-- KEYS[1]  the phone's code key
-- ARGV[1]  HMAC-SHA256 of the candidate code (hex)
-- ARGV[2]  generation the attempt was admitted for
-- Returns {status}: 0 no live code (expired, used, or replaced since admission), 1 verified, 2 wrong code
local code_key = KEYS[1]
local candidate = ARGV[1]
local generation = ARGV[2]

local stored = redis.call('HMGET', code_key, 'h', 'g')
local code_hash = stored[1]
if not code_hash or stored[2] ~= generation then
  return {0}
end

-- Compare every byte whatever the outcome, so the time taken says nothing about where they differ.
local difference = 0
if #code_hash ~= #candidate then
  difference = 1
end
for i = 1, math.min(#code_hash, #candidate) do
  difference = bit.bor(difference, bit.bxor(string.byte(code_hash, i), string.byte(candidate, i)))
end

if difference == 0 then
  redis.call('DEL', code_key)
  return {1}
end
return {2}
