-- Counts one code of a pumping scope and sums the scope's codes sent and verified over the window. A verified
-- code ('v') is always counted. A sent code ('s') is counted only while the scope is not blocked, when it is
-- admitted: concurrent sends to one scope see each other's counts, and the code that makes the scope suspected
-- blocks it, so no code after it is admitted. A sent code that does not go out after all is taken back
-- (pumping_uncount.lua).
-- The window is counted in fixed steps (a sixtieth of it): one hash field per kind and step, summed here and
-- dropped once older than the window, so the hash holds at most two fields per step and a check is one HGET.
-- KEYS[1]  the scope's key (a hash: b = blocked until, Redis time in ms; g = its generation, the time of the
--          first code sent it counts; s<step> / v<step> = codes sent / verified in that step)
-- ARGV[1]  's' or 'v'
-- ARGV[2]  step length in ms
-- ARGV[3]  steps in the window, the current one included
-- ARGV[4]  now in ms, or '' for Redis TIME
-- ARGV[5]  's' only: codes sent in the window from which a scope can be suspected
-- ARGV[6]  's' only: conversion (verified / sent) below which it is
-- ARGV[7]  's' only: block length in ms
-- Returns {ms_left, 0, 0, 0, 0, 0} when a sent code's scope is blocked (nothing counted), else {0, step, tripped,
-- sent, verified, generation}: counted in step; tripped = 1 when this sent code made the scope suspected, which
-- blocked it and started its counts afresh (a block is counted once across the fleet); sent and verified in the
-- window, this code included; the generation of the counts it is in, which a take-back names: once a block or
-- an expiry started the counts afresh, a code of an earlier generation is no longer in them, even where a step of
-- the same number holds later codes (a block shorter than a step).
local scope_key = KEYS[1]
local kind = ARGV[1]
local step_ms = tonumber(ARGV[2])
local steps = tonumber(ARGV[3])
local now_ms = tonumber(ARGV[4])
if not now_ms then
  local time = redis.call('TIME')
  now_ms = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end

if kind == 's' then
  local blocked_until = tonumber(redis.call('HGET', scope_key, 'b'))
  if blocked_until and blocked_until > now_ms then
    return {blocked_until - now_ms, 0, 0, 0, 0, 0}
  end
end

local step = math.floor(now_ms / step_ms)
local oldest = step - steps + 1
redis.call('HINCRBY', scope_key, kind .. step, 1)
if kind == 's' then
  redis.call('HSETNX', scope_key, 'g', now_ms)
end
local sent, verified, generation = 0, 0, 0
local fields = redis.call('HGETALL', scope_key)
for i = 1, #fields, 2 do
  local name = fields[i]
  local field_kind = string.sub(name, 1, 1)
  if name == 'g' then
    generation = tonumber(fields[i + 1])
  elseif field_kind == 's' or field_kind == 'v' then
    if tonumber(string.sub(name, 2)) < oldest then
      redis.call('HDEL', scope_key, name)
    elseif field_kind == 's' then
      sent = sent + tonumber(fields[i + 1])
    else
      verified = verified + tonumber(fields[i + 1])
    end
  end
end

if kind == 's' and sent >= tonumber(ARGV[5]) and verified < sent * tonumber(ARGV[6]) then
  -- After the block the scope must earn its verdict again.
  local block_ms = tonumber(ARGV[7])
  redis.call('DEL', scope_key)
  redis.call('HSET', scope_key, 'b', now_ms + block_ms)
  redis.call('PEXPIRE', scope_key, block_ms)
  return {0, step, 1, sent, verified, generation}
end
-- Long enough for the whole window; never shortens a block.
local ttl_ms = step_ms * (steps + 1)
if redis.call('PTTL', scope_key) < ttl_ms then
  redis.call('PEXPIRE', scope_key, ttl_ms)
end
return {0, step, 0, sent, verified, generation}
