/**
 * Where everything lives in Redis, under the store's prefix (default `clickpesa:`). The scripts get every
 * key name from TypeScript, so this table is the only place a key is spelled.
 */
const KEY = {
  /** Hash per payment: `doc` (the record as JSON), `version`, `leaseToken`, `leaseOwner`, `leaseUntil`. */
  payment: 'payment:',
  /** String per order reference ever used → payment id (unique across payments). */
  orderReference: 'ref:',
  /** Set per ClickPesa transaction id → payment ids. */
  transaction: 'tx:',
  /** Set per MSISDN → ids of its `pending`/`processing` payments (the MSISDN guard reads it). */
  activeMsisdn: 'active:',
  /** Sorted set: payment ids scored by `nextPollAt` (epoch ms); what `claimDue` walks. */
  due: 'due',
  /** List per payment: event JSON; an event's seq is its position + 1 (events are only appended). */
  events: 'events:',
  /** List per payment: audit entry JSON; and one list for the entries that name no payment. */
  audit: 'audit:',
  unattachedAudit: 'audit-unattached',
  /** Hash per (owner, key): the idempotency record's fields, dates as epoch ms. */
  idempotency: 'idem:',
  /** Sorted set: idempotency key names scored by `expiresAt`: liveness checks and pruning. */
  idempotencyExpiry: 'idem-expiry',
  /** Hash: webhook dedupe key → receipt JSON. */
  receipts: 'webhooks',
  /** Lists of dedupe keys in arrival order: all of them, and per order reference. */
  receiptOrder: 'webhooks-order',
  receiptsByReference: 'webhooks-ref:',
  /** Hash per shared budget bucket: `tokens`, `updatedAt`. */
  budget: 'budget:',
} as const;

export type KeyOf = (kind: keyof typeof KEY, id?: string) => string;

export function storeKeys(prefix: string): KeyOf {
  return (kind, id = '') => `${prefix}${KEY[kind]}${id}`;
}

/** Length-prefixed, so ("a:b", "c") and ("a", "b:c") never share a key. */
export const idempotencyId = (ownerId: string, key: string) => `${ownerId.length}:${ownerId}:${key}`;
