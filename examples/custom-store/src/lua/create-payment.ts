import { type AuditItem, luaScript } from './script.js';

/** Everything `createPayment` writes, prepared in TypeScript; the script only checks and writes. */
export interface CreatePaymentPlan {
  id: string;
  /** The record as JSON (see codec.ts). */
  doc: string;
  version: string;
  orderReferences: string[];
  msisdn: string;
  /** `pending`/`processing`: the payment joins its MSISDN's active set. */
  active: boolean;
  exclusiveMsisdn: boolean;
  /** Epoch ms; absent when nothing is due. */
  nextPollAt?: string;
  transactionId?: string;
  idempotency?: { key: string; createdAt: string; expiresAt: string; fields: string[] };
  events: string[];
  audit: AuditItem[];
}

export type CreatePaymentReply =
  | ['created', number]
  | ['idempotency_conflict', string[]]
  | ['msisdn_busy', string]
  | ['conflict', string];

/**
 * Why one script: the idempotency claim, the MSISDN guard and the order reference's uniqueness are each
 * "check, then write". Done as separate commands, two concurrent requests could both pass the checks
 * (IDEM-2, IDEM-11, CS-6) and both create a payment, or a crash between writes could leave a payment
 * without its events or an idempotency key pointing at nothing. In one script it is all or nothing.
 */
export const createPaymentScript = luaScript(
  'createPayment',
  `
local plan = cjson.decode(ARGV[2])
local key = paymentKey(plan.id)

-- 1. Checks, in the contract's order. Nothing has been written yet, so returning early leaves no trace.
if plan.idempotency then
  local existing = liveIdempotency(plan.idempotency.key, plan.idempotency.createdAt)
  if existing then return { 'idempotency_conflict', existing } end
end
if plan.exclusiveMsisdn then
  for _, other in ipairs(redis.call('SMEMBERS', activeMsisdnKey(plan.msisdn))) do
    if other ~= plan.id then return { 'msisdn_busy', other } end
  end
end
if redis.call('EXISTS', key) == 1 then return { 'conflict', 'A payment with this id already exists' } end
for _, reference in ipairs(plan.orderReferences) do
  if redis.call('EXISTS', orderReferenceKey(reference)) == 1 then
    return { 'conflict', 'This order reference is already used' }
  end
end

-- 2. Writes: the row, its indexes, the idempotency record, events and audit.
redis.call('HSET', key, 'doc', plan.doc, 'version', plan.version, 'leaseToken', 0)
for _, reference in ipairs(plan.orderReferences) do
  redis.call('SET', orderReferenceKey(reference), plan.id)
end
if plan.active then redis.call('SADD', activeMsisdnKey(plan.msisdn), plan.id) end
if plan.nextPollAt then redis.call('ZADD', dueKey, plan.nextPollAt, plan.id) end
if plan.transactionId then redis.call('SADD', transactionKey(plan.transactionId), plan.id) end
if plan.idempotency then writeIdempotency(plan.idempotency) end
local firstSeq = appendEvents(plan.id, plan.events)
appendAudit(plan.audit)
return { 'created', firstSeq }
`,
);
