/**
 * Where everything lives in Redis, under the store's prefix (default `clickpesa:`). The scripts get every
 * key name from TypeScript, so this table is the only place a key is spelled.
 */
const KEY = {
  payment: 'payment:', // hash: doc (the record as JSON), version, leaseToken, leaseOwner, leaseUntil
  orderReference: 'ref:', // string per order reference ever used → payment id (unique across payments)
  transaction: 'tx:', // set per ClickPesa transaction id → payment ids
  activeMsisdn: 'active:', // set per MSISDN → its pending/processing payments (the MSISDN guard)
  heldMsisdn: 'held:', // sorted set per MSISDN → its cancelled, still reconciled payments by attemptStartedAt
  ownerPayments: 'owner:', // sorted set per owner → payment ids by createdAt (listPayments)
  allPayments: 'all-payments', // sorted set: every payment id by createdAt (listAllPayments)
  orderPayments: 'order:', // sorted set per (owner, external order id) → payment ids by createdAt (count, list)
  orderActive: 'order-active:', // set per (owner, external order id) → the payments holding it
  due: 'due', // sorted set: payment ids scored by nextPollAt (epoch ms); what claimDue walks
  events: 'events:', // sorted set per payment: event ids by seq (the payment hash keeps `lastSeq`)
  eventDocs: 'event-docs', // hash: event id → event JSON (seq, position and the payment snapshot included)
  eventLog: 'event-log', // sorted set: event ids by global position (listEventsSince)
  eventPosition: 'event-position', // string: the last position handed out (INCRBY in the writing script)
  eventConsumers: 'event-consumers:', // set per event: the consumers it has deliveries for
  delivery: 'delivery:', // hash per (consumer, event): the outbox row's columns, dates as epoch ms
  pending: 'pending:', // sorted set per consumer: pending event ids by position (what a claim walks)
  pendingSeq: 'pending-seq:', // sorted set per (consumer, payment): pending event ids by seq (the head)
  pendingByTime: 'pending-time', // sorted set: every pending delivery by its event's occurredAt (stats)
  dead: 'dead', // sorted set: dead deliveries ("consumer\0eventId") by position
  audit: 'audit:', // list per payment: audit entry JSON
  unattachedAudit: 'audit-unattached', // list: audit entries that name no payment
  auditLists: 'audit-lists', // set: every audit list's key (what retention walks)
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

/** An order's part of a key: (owner, external order id), length-prefixed like `idempotencyId`. */
export const orderId = (ownerId: string, externalOrderId: string) =>
  `${ownerId.length}:${ownerId}:${externalOrderId}`;

/** A consumer's part of a key, length-prefixed like `idempotencyId` (a delivery's key is this + event id). */
export const consumerId = (consumer: string) => `${consumer.length}:${consumer}:`;
