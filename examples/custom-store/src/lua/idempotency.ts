import { luaScript } from './script.js';

export interface ClaimIdempotencyPlan {
  key: string;
  createdAt: string;
  expiresAt: string;
  fields: string[];
}

export type ClaimIdempotencyReply = ['claimed'] | ['exists', string[]];

/**
 * Why a script: insert-if-absent where an EXPIRED record counts as absent. SET NX alone cannot replace an
 * expired record, and "read, then write" as two commands lets two requests both claim the key (IDEM-2).
 * Expiry is judged at the new record's `createdAt` (the caller's clock), not by Redis TTLs: the contract's
 * clock is the caller's, and tests run it in the past and the future.
 */
export const claimIdempotencyScript = luaScript(
  'claimIdempotency',
  `
local plan = cjson.decode(ARGV[2])
local existing = liveIdempotency(plan.key, plan.createdAt)
if existing then return { 'exists', existing } end
writeIdempotency(plan)
return { 'claimed' }
`,
);

/** ARGV: prefix, idempotency key name. A script only so that completing an unknown key creates nothing. */
export const completeIdempotencyScript = luaScript(
  'completeIdempotency',
  `
if redis.call('EXISTS', ARGV[2]) == 1 then redis.call('HSET', ARGV[2], 'state', 'completed') end
return 0
`,
);

/**
 * ARGV: prefix, now (epoch ms). Deletes records that expired before now; returns how many.
 * Why a script: a request may replace an expired record between our read of the expiry set and the
 * delete; inside one script nothing can, so a fresh claim is never pruned.
 */
export const pruneIdempotencyScript = luaScript(
  'pruneIdempotency',
  `
local expired = redis.call('ZRANGEBYSCORE', idempotencyExpiryKey, '-inf', '(' .. ARGV[2])
for _, key in ipairs(expired) do
  redis.call('DEL', key)
  redis.call('ZREM', idempotencyExpiryKey, key)
end
return #expired
`,
);
