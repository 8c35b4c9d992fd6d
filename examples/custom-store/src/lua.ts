import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Redis runs a Lua script from start to end with no other command in between, on every connection of
 * every process: that is what makes each check-then-write here atomic. A script is not rolled back if it
 * fails half-way, so each one checks everything first and only then writes.
 */
export interface LuaScript {
  readonly lua: string;
  readonly sha: string;
}

function luaScript(lua: string): LuaScript {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/** A precondition: run `call`; unless its reply is `is` (or, with `above`, a score not above it), fail. */
export interface Guard {
  call: string[];
  is?: string;
  /** Fails when the reply is a number above this one (a live idempotency record's expiry). */
  above?: string;
  /** The reply's first element when the guard fails. */
  fail: string;
  /** A command whose reply is sent back with the failure (the current row, the existing record). */
  detail?: string[];
}

/** Every atomic write but the leases, the pruning and the budget: check the guards, then run the writes. */
export interface GuardedWrite {
  guards: Guard[];
  /** An events list: the reply carries its length + 1 before the writes (the first new event's seq). */
  seqOf?: string;
  writes: string[][];
}

export type GuardedReply = ['ok', number] | [string, unknown];

/**
 * Why one generic script is enough: every contract operation that is "check, then write" (create with its
 * idempotency key, MSISDN guard and unique references; the transition's version and lease fence; claiming
 * an idempotency key; a webhook receipt's insert-if-absent) becomes a list of checks and a list of writes,
 * both prepared in TypeScript. Run together in one script, no other writer can get in between.
 */
export const guardedWriteScript = luaScript(`
local plan = cjson.decode(ARGV[1])
for _, g in ipairs(plan.guards) do
  local got = redis.call(unpack(g.call))
  local failed
  if g.above then failed = got and tonumber(got) > tonumber(g.above) else failed = tostring(got) ~= g.is end
  if failed then return { g.fail, g.detail and redis.call(unpack(g.detail)) or false } end
end
local seq = plan.seqOf and redis.call('LLEN', plan.seqOf) + 1 or 0
for _, write in ipairs(plan.writes) do redis.call(unpack(write)) end
return { 'ok', seq }
`);

/**
 * ARGV: due key, payment key prefix, now, leaseUntil, limit, owner → { { id, token, doc }, ... }.
 * Why a script: "is the lease free? then take it and bump the token" must not interleave with another
 * poller's, or both would poll the same payment. The token is the fence `transition` checks. A leased
 * payment stays in the due set, so the walk skips it.
 */
export const claimDueScript = luaScript(`
local now, limit, claimed = tonumber(ARGV[3]), tonumber(ARGV[5]), {}
if limit <= 0 then return claimed end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', ARGV[1], '-inf', now)) do
  local key = ARGV[2] .. id
  local leaseUntil = redis.call('HGET', key, 'leaseUntil')
  if not leaseUntil or tonumber(leaseUntil) <= now then
    local token = redis.call('HINCRBY', key, 'leaseToken', 1)
    redis.call('HSET', key, 'leaseOwner', ARGV[6], 'leaseUntil', ARGV[4])
    claimed[#claimed + 1] = { id, token, redis.call('HGET', key, 'doc') }
    if #claimed >= limit then break end
  end
end
return claimed
`);

/** ARGV: expiry set, now. Why a script: an expired key claimed afresh between read and delete must stay. */
export const pruneIdempotencyScript = luaScript(`
local expired = redis.call('ZRANGEBYSCORE', ARGV[1], '-inf', '(' .. ARGV[2])
for _, key in ipairs(expired) do redis.call('DEL', key); redis.call('ZREM', ARGV[1], key) end
return #expired
`);

/**
 * ARGV: bucket key, capacity, intervalMs, now → 0, or ms until a token. Why a script: read-refill-take-
 * write as separate commands would let two instances spend the same token.
 */
export const takeBudgetScript = luaScript(`
local capacity, intervalMs, now = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local ratePerMs = capacity / intervalMs
local state = redis.call('HMGET', ARGV[1], 'tokens', 'updatedAt')
local updatedAt = tonumber(state[2]) or now
-- Refill up to now (never above capacity, never backwards in time), then take one if there is one.
local tokens = math.min(capacity, (tonumber(state[1]) or capacity) + math.max(0, now - updatedAt) * ratePerMs)
local waitMs = 0
if tokens >= 1 then tokens = tokens - 1 else waitMs = math.max(1, math.ceil((1 - tokens) / ratePerMs)) end
redis.call('HSET', ARGV[1], 'tokens', tokens, 'updatedAt', math.max(now, updatedAt))
return waitMs
`);

/** EVALSHA, falling back to EVAL when the server has not seen the script (a restart, SCRIPT FLUSH). */
export async function runScript(redis: Redis, script: LuaScript, ...args: string[]): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, 0, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return redis.eval(script.lua, 0, ...args);
  }
}
