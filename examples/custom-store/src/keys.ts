/**
 * Where everything lives in Redis, under the store's prefix (default `clickpesa:`). The scripts get every
 * key name from TypeScript, so this table is the only place a key is spelled.
 */
const KEY = {
  payment: 'payment:', // hash: doc (the record as JSON), version, leaseToken, leaseOwner, leaseUntil
  orderReference: 'ref:', // string per order reference ever used → payment id (unique across payments)
  transaction: 'tx:', // set per ClickPesa transaction id → payment ids
  activeMsisdn: 'active:', // set per MSISDN → its pending/processing payments (the MSISDN guard)
  due: 'due', // sorted set: payment ids scored by nextPollAt (epoch ms); what claimDue walks
  events: 'events:', // list per payment: event JSON; an event's seq is its position + 1
  audit: 'audit:', // list per payment: audit entry JSON
  unattachedAudit: 'audit-unattached', // list: audit entries that name no payment
  idempotency: 'idem:', // hash per (owner, key): the record's fields, dates as epoch ms
  idempotencyExpiry: 'idem-expiry', // sorted set: idempotency keys by expiresAt (liveness, pruning)
  receipts: 'webhooks', // hash: webhook dedupe key → receipt JSON
  receiptOrder: 'webhooks-order', // list: dedupe keys in arrival order
  receiptsOf: 'webhooks-ref:', // list per order reference: dedupe keys in arrival order
  budget: 'budget:', // hash per shared budget bucket: tokens, updatedAt
} as const;

export type KeyOf = (kind: keyof typeof KEY, id?: string) => string;

export function storeKeys(prefix: string): KeyOf {
  return (kind, id = '') => `${prefix}${KEY[kind]}${id}`;
}

/** Length-prefixed, so ("a:b", "c") and ("a", "b:c") never share a key. */
export const idempotencyId = (ownerId: string, key: string) => `${ownerId.length}:${ownerId}:${key}`;
