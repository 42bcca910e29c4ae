-- Removes the phone's live code, whatever its generation (support lifting a block).
-- KEYS[1]  the phone's code key
-- Returns {1} if a code was removed, {0} if there was none
local code_key = KEYS[1]

return {redis.call('DEL', code_key)}
