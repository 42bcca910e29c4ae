-- Takes back one sent code pumping_count.lua counted that did not go out after all: a later limit refused it, or
-- the SMS provider refused it. Only a count of the code's own generation is taken back: a block or an expiry since
-- then started the counts afresh, and the codes counted since are not this one, whatever their step.
-- KEYS[1]  the scope's key
-- ARGV[1]  the step the code was counted in
-- ARGV[2]  the generation of the counts it was counted in
-- Returns {1} when a count was taken back, {0} when there was none to take
if tonumber(redis.call('HGET', KEYS[1], 'g')) ~= tonumber(ARGV[2]) then
  return {0}
end
local field = 's' .. ARGV[1]
local sent = tonumber(redis.call('HGET', KEYS[1], field))
if sent and sent > 0 then
  redis.call('HINCRBY', KEYS[1], field, -1)
  return {1}
end
return {0}
