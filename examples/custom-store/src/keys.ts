/**
 * Where everything lives in Redis, under the store's prefix (default `clickpesa:`). One list, used by
 * TypeScript for reads and turned into Lua helpers for the scripts (see `LUA_KEY_HELPERS`), so the two
 * can never disagree.
 */
export const KEY = {
  /** Hash per payment: `doc` (the record as JSON), `version`, `leaseToken`, `leaseOwner`, `leaseUntil`. */
  payment: 'payment:',
  /** String per order reference ever used → payment id (CS-6: unique across payments). */
  orderReference: 'ref:',
  /** Set per ClickPesa transaction id → payment ids. */
  transaction: 'tx:',
  /** Set per MSISDN → ids of its `pending`/`processing` payments (the MSISDN guard reads it). */
  activeMsisdn: 'active:',
  /** Sorted set: payment id scored by `nextPollAt` (epoch ms); what `claimDue` walks. */
  due: 'due',
  /** List per payment: event JSON; an event's seq is its position + 1 (events are only ever appended). */
  events: 'events:',
  /** List per payment: audit entry JSON. */
  audit: 'audit:',
  /** List: audit entries that name no payment. */
  unattachedAudit: 'audit-unattached',
  /** Hash per (owner, key): the idempotency record's fields, Dates as epoch ms. */
  idempotency: 'idem:',
  /** Sorted set: idempotency key names scored by `expiresAt`, for pruning. */
  idempotencyExpiry: 'idem-expiry',
  /** Hash: webhook dedupe key → receipt JSON. */
  receipts: 'webhooks',
  /** List: dedupe keys in arrival order. */
  receiptOrder: 'webhooks-order',
  /** List per order reference: dedupe keys in arrival order. */
  receiptsByReference: 'webhooks-ref:',
  /** Hash per shared budget bucket: `tokens`, `updatedAt`. */
  budget: 'budget:',
} as const;

export type StoreKeys = ReturnType<typeof storeKeys>;

export function storeKeys(prefix: string) {
  return {
    prefix,
    payment: (id: string) => `${prefix}${KEY.payment}${id}`,
    orderReference: (reference: string) => `${prefix}${KEY.orderReference}${reference}`,
    transaction: (transactionId: string) => `${prefix}${KEY.transaction}${transactionId}`,
    activeMsisdn: (msisdn: string) => `${prefix}${KEY.activeMsisdn}${msisdn}`,
    events: (paymentId: string) => `${prefix}${KEY.events}${paymentId}`,
    audit: (paymentId: string) => `${prefix}${KEY.audit}${paymentId}`,
    unattachedAudit: `${prefix}${KEY.unattachedAudit}`,
    /** Length-prefixed, so ("a:b", "c") and ("a", "b:c") never share a key. */
    idempotency: (ownerId: string, key: string) =>
      `${prefix}${KEY.idempotency}${ownerId.length}:${ownerId}:${key}`,
    receipts: `${prefix}${KEY.receipts}`,
    receiptOrder: `${prefix}${KEY.receiptOrder}`,
    receiptsByReference: (reference: string) => `${prefix}${KEY.receiptsByReference}${reference}`,
  };
}

/**
 * The same layout as Lua functions. Every script receives the prefix as ARGV[1] and derives the keys it
 * touches from it, because some of them (the MSISDN's set, each order reference) are only known from the
 * arguments. That is fine on a standalone Redis or Sentinel; Redis Cluster wants every key declared in KEYS.
 */
export const LUA_KEY_HELPERS = `
local P = ARGV[1]
local function paymentKey(id) return P .. '${KEY.payment}' .. id end
local function orderReferenceKey(reference) return P .. '${KEY.orderReference}' .. reference end
local function transactionKey(transactionId) return P .. '${KEY.transaction}' .. transactionId end
local function activeMsisdnKey(msisdn) return P .. '${KEY.activeMsisdn}' .. msisdn end
local function eventsKey(paymentId) return P .. '${KEY.events}' .. paymentId end
local function auditKey(paymentId) return P .. '${KEY.audit}' .. paymentId end
local dueKey = P .. '${KEY.due}'
local unattachedAuditKey = P .. '${KEY.unattachedAudit}'
local idempotencyExpiryKey = P .. '${KEY.idempotencyExpiry}'
local receiptsKey = P .. '${KEY.receipts}'
local receiptOrderKey = P .. '${KEY.receiptOrder}'
local function receiptsByReferenceKey(reference) return P .. '${KEY.receiptsByReference}' .. reference end
local function budgetKey(name) return P .. '${KEY.budget}' .. name end
`;
