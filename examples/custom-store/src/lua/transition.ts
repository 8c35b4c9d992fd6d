import { type AuditItem, luaScript } from './script.js';

/**
 * A transition, prepared in TypeScript from the row read just before (HMGET doc, version, leaseToken).
 * The script applies it only if that row is still current: same version (and same lease token when
 * fenced). Because every change to `doc` bumps `version`, "same version" means "the row we merged the
 * changes into", so the `previous*` values below are still true when the script runs.
 */
export interface TransitionPlan {
  id: string;
  expectedVersion: string;
  /** Fencing: apply only while this is the payment's lease token. */
  leaseToken?: string;
  /** With `leaseToken`: free the lease in the same step. */
  releaseLease: boolean;
  doc: string;
  version: string;
  /** Set when the transition moves the payment to a new order reference. */
  newOrderReference?: string;
  previousMsisdn: string;
  msisdn: string;
  active: boolean;
  nextPollAt?: string;
  previousTransactionId?: string;
  transactionId?: string;
  events: string[];
  audit: AuditItem[];
}

export type TransitionReply =
  | ['applied', number]
  | ['not_found']
  | ['stale_lease', string]
  | ['version_conflict', string]
  | ['conflict', string];

/**
 * Why one script: the version compare-and-set (SM-2: exactly one of N concurrent writers wins), the lease
 * fence (POLL-3: a poller whose lease was taken over writes nothing), the new order reference's
 * uniqueness, the indexes and the events must all see and change the same row. Split up, two writers
 * could both pass the version check, or a payment could change status without its event.
 */
export const transitionScript = luaScript(
  'transition',
  `
local plan = cjson.decode(ARGV[2])
local key = paymentKey(plan.id)
local row = redis.call('HMGET', key, 'doc', 'version', 'leaseToken')
local doc, version, leaseToken = row[1], row[2], row[3]

-- 1. Checks. The lease first: a fenced-out writer is told so even when its version is stale too.
if not doc then return { 'not_found' } end
if plan.leaseToken and leaseToken ~= plan.leaseToken then return { 'stale_lease', doc } end
if version ~= plan.expectedVersion then return { 'version_conflict', doc } end
if plan.newOrderReference and redis.call('EXISTS', orderReferenceKey(plan.newOrderReference)) == 1 then
  return { 'conflict', 'This order reference is already used' }
end

-- 2. Writes: the row, the indexes that follow its fields, events and audit.
redis.call('HSET', key, 'doc', plan.doc, 'version', plan.version)
if plan.newOrderReference then redis.call('SET', orderReferenceKey(plan.newOrderReference), plan.id) end
if plan.releaseLease then redis.call('HDEL', key, 'leaseOwner', 'leaseUntil') end
redis.call('SREM', activeMsisdnKey(plan.previousMsisdn), plan.id)
if plan.active then redis.call('SADD', activeMsisdnKey(plan.msisdn), plan.id) end
if plan.nextPollAt then
  redis.call('ZADD', dueKey, plan.nextPollAt, plan.id)
else
  redis.call('ZREM', dueKey, plan.id)
end
if plan.previousTransactionId ~= plan.transactionId then
  if plan.previousTransactionId then redis.call('SREM', transactionKey(plan.previousTransactionId), plan.id) end
  if plan.transactionId then redis.call('SADD', transactionKey(plan.transactionId), plan.id) end
end
local firstSeq = appendEvents(plan.id, plan.events)
appendAudit(plan.audit)
return { 'applied', firstSeq }
`,
);
