import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

// Redis runs a Lua script from start to end with no other command in between, on every connection of
// every process: that is what makes each check-then-write here atomic. A script is not rolled back if it
// fails half-way, so each one checks everything first and only then writes.

export type LuaScript = { readonly lua: string; readonly sha: string };

const luaScript = (lua: string): LuaScript => ({ lua, sha: createHash('sha1').update(lua).digest('hex') });

/** Run `call`; fail unless its reply is `is` (or, with `above`, is no number above it). */
export interface Guard {
  call: string[];
  is?: string;
  above?: string;
  /** The reply when the guard fails: [fail, reply of `detail` (the current row, the existing record)]. */
  fail: string;
  detail?: string[];
}

/** Guards, then writes, then (with `events`) the events of the step. */
export interface GuardedWrite {
  guards: Guard[];
  writes: string[][];
  events?: EventWrite;
}

/**
 * A step's events and their deliveries. The script numbers them: seq after the payment hash's `lastSeq`,
 * positions from the global counter, both taken in the same script as the write, so positions ascend in
 * the order steps commit. The reply is then ['ok', last seq before, first position].
 */
export interface EventWrite {
  payment: string;
  paymentId: string;
  counter: string;
  docs: string;
  list: string;
  log: string;
  byTime: string;
  items: Array<{
    id: string;
    doc: string;
    at: string;
    consumersKey: string;
    deliveries: Array<{ key: string; consumer: string; member: string; pending: string; pendingSeq: string }>;
  }>;
}

/**
 * Why one generic script is enough: every "check, then write" of the contract (a create with its
 * idempotency key, MSISDN guard and unique references; a transition's version and lease fence; claiming an
 * idempotency key; a receipt's insert-if-absent) is a list of checks and a list of writes prepared in
 * TypeScript. Run in one script, no other writer gets in between.
 */
export const guardedWriteScript = luaScript(`
local plan = cjson.decode(ARGV[1])
for _, g in ipairs(plan.guards) do
  local got = redis.call(unpack(g.call))
  local failed
  if g.above then failed = got and tonumber(got) > tonumber(g.above) else failed = tostring(got) ~= g.is end
  if failed then return { g.fail, g.detail and redis.call(unpack(g.detail)) or false } end
end
for _, write in ipairs(plan.writes) do redis.call(unpack(write)) end
local ev = plan.events
if not ev then return { 'ok', 0, 0 } end
local n = #ev.items
local seq = redis.call('HINCRBY', ev.payment, 'lastSeq', n) - n
local pos = redis.call('INCRBY', ev.counter, n) - n + 1
for i, item in ipairs(ev.items) do
  local s, p = seq + i, pos + i - 1
  redis.call('HSET', ev.docs, item.id, '{"seq":' .. s .. ',"position":' .. p .. ',' .. string.sub(item.doc, 2))
  redis.call('ZADD', ev.list, s, item.id)
  redis.call('ZADD', ev.log, p, item.id)
  for _, d in ipairs(item.deliveries) do
    redis.call('HSET', d.key, 'event_id', item.id, 'consumer', d.consumer, 'payment_id', ev.paymentId,
      'seq', s, 'position', p, 'state', 'pending', 'attempts', 0, 'next_attempt_at', item.at,
      'lease_token', 0, 'occurred_at', item.at)
    redis.call('ZADD', d.pending, p, item.id)
    redis.call('ZADD', d.pendingSeq, s, item.id)
    redis.call('ZADD', ev.byTime, item.at, d.member)
    redis.call('SADD', item.consumersKey, d.consumer)
  end
end
return { 'ok', seq, pos }
`);

/**
 * ARGV: pending set, pending-seq key prefix, delivery key prefix (both of one consumer), now, leaseUntil,
 * limit, owner → { field/value list of each leased delivery }. Why a script: "is it the payment's head,
 * due and free? then lease it and bump the token" must not interleave with another dispatcher's.
 */
export const claimDeliveriesScript = luaScript(`
local now, limit, claimed = tonumber(ARGV[4]), tonumber(ARGV[6]), {}
if limit <= 0 then return claimed end
for _, id in ipairs(redis.call('ZRANGE', ARGV[1], 0, -1)) do
  local key = ARGV[3] .. id
  local d = redis.call('HMGET', key, 'payment_id', 'next_attempt_at', 'lease_until')
  local head = redis.call('ZRANGE', ARGV[2] .. d[1], 0, 0)[1]
  if head == id and (not d[2] or tonumber(d[2]) <= now) and (not d[3] or tonumber(d[3]) <= now) then
    redis.call('HINCRBY', key, 'lease_token', 1)
    redis.call('HSET', key, 'lease_owner', ARGV[7], 'lease_until', ARGV[5])
    claimed[#claimed + 1] = redis.call('HGETALL', key)
    if #claimed >= limit then break end
  end
end
return claimed
`);

/**
 * ARGV: due key, payment key prefix, now, leaseUntil, limit, owner → { { id, token, doc }, ... }.
 * Why a script: "is the lease free? then take it and bump the token" must not interleave with another
 * poller's, or both would poll the same payment. The token is the fence `transition` checks.
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

/** ARGV: expiry set, now. Why a script: a key claimed afresh between read and delete must stay. */
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
local rate, state = capacity / intervalMs, redis.call('HMGET', ARGV[1], 'tokens', 'updatedAt')
local updatedAt = tonumber(state[2]) or now
-- Refill up to now (never above capacity, never backwards in time), then take one if there is one.
local tokens = math.min(capacity, (tonumber(state[1]) or capacity) + math.max(0, now - updatedAt) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.max(1, math.ceil((1 - tokens) / rate)) end
redis.call('HSET', ARGV[1], 'tokens', tokens, 'updatedAt', math.max(now, updatedAt))
-- a bucket left alone for its interval is full again: let Redis drop it (one per phone number would pile up)
redis.call('PEXPIRE', ARGV[1], math.ceil(intervalMs) + 1000)
return wait
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
