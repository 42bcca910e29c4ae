-- Takes back one sent code pumping_count.lua counted that did not go out after all: a later limit refused it, or
-- the SMS provider refused it. Only a count still there is taken back: a block since then started the counts
-- afresh.
-- KEYS[1]  the scope's key
-- ARGV[1]  the step the code was counted in
-- Returns {1} when a count was taken back, {0} when there was none to take
local field = 's' .. ARGV[1]
local sent = tonumber(redis.call('HGET', KEYS[1], field))
if sent and sent > 0 then
  redis.call('HINCRBY', KEYS[1], field, -1)
  return {1}
end
return {0}
