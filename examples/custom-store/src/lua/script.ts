import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LUA_KEY_HELPERS } from '../keys.js';

/**
 * A Lua script, run with EVALSHA. Redis runs a script from start to end with no other command in between:
 * that is what makes each check-then-write below atomic, across every process sharing the Redis.
 *
 * What a script does NOT give you is rollback: a script that fails half-way keeps the writes it already
 * made. So every script here does all of its checks first and only then writes, and its writes cannot fail.
 */
export interface LuaScript {
  readonly name: string;
  readonly lua: string;
  readonly sha: string;
}

/** Lua helpers more than one script uses. Plans come from cjson, where an absent field is nil. */
const LUA_SHARED = `
-- Appends a payment's events; returns the seq of the first one (an event's seq is its position + 1).
local function appendEvents(paymentId, events)
  local key = eventsKey(paymentId)
  local firstSeq = redis.call('LLEN', key) + 1
  for _, event in ipairs(events) do redis.call('RPUSH', key, event) end
  return firstSeq
end

-- items: { { paymentId = '...' (absent when the entry names no payment), entry = '<json>' }, ... }
local function appendAudit(items)
  for _, item in ipairs(items) do
    local key = item.paymentId and auditKey(item.paymentId) or unattachedAuditKey
    redis.call('RPUSH', key, item.entry)
  end
end

-- The idempotency record at key if it has not expired at \`at\` (epoch ms), as HGETALL's list; else nil.
local function liveIdempotency(key, at)
  local expiresAt = redis.call('HGET', key, 'expires_at')
  if expiresAt and tonumber(expiresAt) > tonumber(at) then return redis.call('HGETALL', key) end
  return nil
end

-- Writes (or replaces an expired) idempotency record; plan = { key, expiresAt, fields = { f, v, ... } }.
local function writeIdempotency(plan)
  redis.call('DEL', plan.key)
  redis.call('HSET', plan.key, unpack(plan.fields))
  redis.call('ZADD', idempotencyExpiryKey, plan.expiresAt, plan.key)
end
`;

export function luaScript(name: string, body: string): LuaScript {
  const lua = `-- clickpesa-kit redis store: ${name}\n${LUA_KEY_HELPERS}${LUA_SHARED}\n${body.trim()}\n`;
  return { name, lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/**
 * EVALSHA, falling back to EVAL the first time a server has not seen the script (after a restart or a
 * SCRIPT FLUSH). ioredis' `defineCommand` does the same; doing it by hand keeps the calls typed and leaves
 * a client the application passed in untouched. ARGV[1] is always the key prefix (see LUA_KEY_HELPERS).
 */
export async function runScript(
  redis: Redis,
  script: LuaScript,
  prefix: string,
  ...args: string[]
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, 0, prefix, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return redis.eval(script.lua, 0, prefix, ...args);
  }
}

/** Audit entries as the scripts' `appendAudit` takes them. */
export interface AuditItem {
  paymentId?: string;
  entry: string;
}
