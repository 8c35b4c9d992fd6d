import { luaScript } from './script.js';

/**
 * ARGV: prefix, bucket name, capacity, intervalMs, now (epoch ms). Returns 0 when a token was taken,
 * otherwise how many ms until one is (nothing taken).
 *
 * Why a script: a token bucket is read-refill-take-write; two instances doing it as separate commands
 * would both spend the same token, and the shared provider budget would be overspent.
 */
export const takeBudgetScript = luaScript(
  'takeBudget',
  `
local key = budgetKey(ARGV[2])
local capacity, intervalMs, now = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local ratePerMs = capacity / intervalMs
local state = redis.call('HMGET', key, 'tokens', 'updatedAt')
local tokens = tonumber(state[1]) or capacity
local updatedAt = tonumber(state[2]) or now

-- Refill up to now (never above capacity, never backwards in time), then take one if there is one.
tokens = math.min(capacity, tokens + math.max(0, now - updatedAt) * ratePerMs)
updatedAt = math.max(now, updatedAt)
local waitMs = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  waitMs = math.max(1, math.ceil((1 - tokens) / ratePerMs))
end
redis.call('HSET', key, 'tokens', tokens, 'updatedAt', updatedAt)
return waitMs
`,
);
