import type { PaymentEventType } from '../domain/event-types.js';
import type { PaymentChanges, PaymentRecord, PaymentStatus } from '../domain/payment.js';

export type { PaymentChanges };

/**
 * The storage contract every store implements (memory, SQLite, PostgreSQL, custom).
 * `@clickpesa-kit/store-tests` holds every implementation to it, races included.
 *
 * Atomicity, per operation, is part of the contract:
 * - `createPayment`: the payment row, its order reference, its idempotency record, the MSISDN guard,
 *   its events and audit entries are written in ONE atomic step (all or nothing).
 * - `transition`: compare-and-set on `version` (and on the lease token when given), together with its
 *   events and audit entries, in ONE atomic step. Exactly one of N concurrent callers with the same
 *   `expectedVersion` applies.
 * - `claimIdempotency`, `recordWebhookReceipt`: insert-if-absent; exactly one of N concurrent callers wins.
 * - `claimDue`: a payment is leased to at most one claimer until its lease expires; every claim bumps
 *   the payment's lease token (fencing).
 * Stores never call ClickPesa and never hold a transaction across any await of the caller.
 */
export interface PaymentStore {
  /** Human-readable kind, for logs ("memory", "sqlite", "postgres", ...). */
  readonly kind: string;
  /** True when several processes may share this store (SQLite file in WAL, PostgreSQL). The memory store is false. */
  readonly shared: boolean;

  /** A payment id or order reference already in use → ClickPesaKitError('STORE_CONFLICT'), nothing written (CS-6). */
  createPayment(input: CreatePaymentInput): Promise<CreatePaymentResult>;

  /** By id; when `ownerId` is given the owner is part of the lookup itself (another owner's payment is `null`). */
  getPayment(id: string, ownerId?: string): Promise<PaymentRecord | null>;
  /** By any order reference the payment has used (current or earlier attempt). */
  getPaymentByOrderReference(orderReference: string): Promise<PaymentRecord | null>;
  getPaymentByTransactionId(transactionId: string): Promise<PaymentRecord | null>;
  /**
   * Is there a payment other than `exceptPaymentId` holding this MSISDN (see {@link holdsMsisdn}): one
   * `pending`/`processing`, or, with `heldSince`, one cancelled whose prompt may still be live?
   */
  hasActivePush(msisdn: string, exceptPaymentId?: string, heldSince?: Date): Promise<boolean>;

  /**
   * The owner's payments, newest first (`createdAt` desc, then `id` desc), optionally only those of one
   * `externalOrderId` and/or one status, at most `limit`, strictly after the keyset position `before`.
   * Another owner's payments are never returned.
   */
  listPayments(input: ListPaymentsInput): Promise<PaymentRecord[]>;
  /**
   * Every owner's payments, in `listPayments`' order and with its status filter and keyset, for operators'
   * tools (the ops CLI); never behind a route. Optional: a store written before it cannot be listed that way.
   */
  listAllPayments?(input: ListAllPaymentsInput): Promise<PaymentRecord[]>;

  /** Compare-and-set. See {@link TransitionInput}. */
  transition(input: TransitionInput): Promise<TransitionResult>;

  /**
   * Insert-if-absent of an idempotency record; an expired record counts as absent and is replaced.
   * "Expired" is judged at the new record's `createdAt` (here and in `createPayment`).
   */
  claimIdempotency(record: IdempotencyRecord): Promise<ClaimIdempotencyResult>;
  getIdempotency(ownerId: string, key: string, now: Date): Promise<IdempotencyRecord | null>;
  /** Marks a record completed (replays return the payment's current state from then on). */
  completeIdempotency(ownerId: string, key: string): Promise<void>;
  /** Deletes records that expired before `now`; returns how many. */
  pruneIdempotency(now: Date): Promise<number>;

  /** Insert-if-absent by `dedupeKey`; `inserted: false` means a duplicate delivery. */
  recordWebhookReceipt(receipt: WebhookReceipt): Promise<{ inserted: boolean }>;
  listWebhookReceipts(filter?: { orderReference?: string }): Promise<WebhookReceipt[]>;

  /** "Log all responses": ClickPesa requests/responses and other notes, already redacted by the caller. */
  appendAudit(entries: AuditEntry[]): Promise<void>;
  listAudit(paymentId: string): Promise<AuditEntry[]>;
  listEvents(paymentId: string): Promise<StoredEvent[]>;

  // ── The event outbox ────────────────────────────────────────────────────────────────────────────────
  // Every event is stored in the same atomic step as the change it describes (above). For each consumer
  // named in its `deliverTo`, that same step writes a delivery row: the outbox. A dispatcher (in any
  // instance) claims deliveries, hands them to the consumer, and completes or fails them. Nothing depends
  // on the process that wrote the event staying alive.

  /**
   * Leases up to `limit` deliveries of `consumer` that are due (`nextAttemptAt <= now`), pending, and not
   * leased (or whose lease expired), to `owner` until `now + leaseMs`, bumping each one's lease token.
   * Per payment, only the pending delivery with the LOWEST seq is claimable (so a consumer sees one
   * payment's events in seq order; a dead delivery no longer holds the ones after it). Oldest `position`
   * first. A delivery is held by at most one claimer at a time (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
   */
  claimEventDeliveries(input: ClaimDeliveriesInput): Promise<EventDelivery[]>;
  /** Marks a claimed delivery delivered. False (nothing written) when `leaseToken` is no longer current. */
  completeEventDelivery(input: SettleDeliveryInput): Promise<boolean>;
  /**
   * Records a failed attempt (attempts + 1, `lastError`, lease freed): pending again from `retryAt`, or
   * dead (a dead letter) when `retryAt` is null. False (nothing written) when `leaseToken` is not current.
   */
  failEventDelivery(input: FailDeliveryInput): Promise<boolean>;
  /** Dead letters, oldest position first, optionally of one consumer, after position `after`. */
  listDeadDeliveries(input: ListDeadDeliveriesInput): Promise<EventDelivery[]>;
  /** Makes a dead delivery pending again, due at `now`, attempts reset to 0. False when it is not dead. */
  replayDeadDelivery(input: { consumer: string; eventId: string; now: Date }): Promise<boolean>;
  /**
   * Events in global order: those with `position > after` (all when `after` is null), at most `limit`,
   * ascending. Never skips: an event is returned only once every event with a lower position is visible
   * too (PostgreSQL: positions of uncommitted writers are held back), so a reader that keeps the last
   * position it saw misses nothing.
   */
  listEventsSince(input: { after: number | null; limit: number }): Promise<StoredEvent[]>;
  /** Pending and dead deliveries, and when the oldest pending one's event occurred (outbox lag). */
  outboxStats(): Promise<OutboxStats>;
  /**
   * Retention: deletes, at most `limit` rows per kind per call, events (with their deliveries) that occurred
   * before `eventsBefore` and whose deliveries are all delivered, webhook receipts received before
   * `receiptsBefore`, and audit entries before `auditBefore`. A cutoff left out prunes nothing of its kind.
   */
  pruneRecords(input: PruneRecordsInput): Promise<PruneRecordsResult>;

  /**
   * Leases up to `limit` payments whose `nextPollAt <= now` and whose lease is free or expired,
   * oldest due first, to `owner` until `now + leaseMs`, bumping each one's lease token.
   * A store with a shared clock (PostgreSQL) may use its own clock instead of `now`.
   * Claiming never changes the payment row itself (its `version` included).
   */
  claimDue(input: ClaimDueInput): Promise<ClaimedPayment[]>;
  /** Frees a lease early (shutdown); a no-op when the token is no longer current. */
  releaseLease(paymentId: string, leaseToken: number): Promise<void>;

  /** Optional shared provider budget (a token bucket kept in the store, so instances share it). */
  readonly budget?: SharedBudget;

  /** Throws ClickPesaKitError('STORE_UNAVAILABLE') when the store cannot be reached (after `close()` too). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface CreatePaymentInput {
  /** The complete write-ahead row (`status: 'pending'`, `version: 1`). */
  payment: PaymentRecord;
  /** When present, claimed in the same atomic step, pointing at `payment.id`, state `in_flight`. */
  idempotency?: IdempotencyRecord;
  /** When true, creation fails with `msisdn_busy` if another payment holds the MSISDN (see `hasActivePush`). */
  exclusiveMsisdn?: boolean;
  /**
   * With `exclusiveMsisdn`: a cancelled payment whose `attemptStartedAt` is at or after this instant, and that
   * is still reconciled (`nextPollAt` not null), holds the MSISDN too: ClickPesa's prompt may still be live.
   */
  msisdnHeldSince?: Date;
  /**
   * With a payment that has an `externalOrderId`: creation fails with `order_attempts_exhausted` when the
   * owner already has this many payments for that order (any status). Absent: no cap.
   */
  maxOrderAttempts?: number;
  events?: NewEvent[];
  audit?: AuditEntry[];
}

export type CreatePaymentResult =
  | { kind: 'created'; payment: PaymentRecord; events: StoredEvent[] }
  /** The idempotency key was already claimed (and is not expired): nothing was written. */
  | { kind: 'idempotency_conflict'; existing: IdempotencyRecord }
  /** Another payment is pushing to the same MSISDN: nothing was written. */
  | { kind: 'msisdn_busy'; paymentId: string }
  /**
   * The owner has a `pending`/`processing`/`success` payment for the same `externalOrderId` (at most one
   * per order, always enforced): nothing was written.
   */
  | { kind: 'order_busy'; paymentId: string }
  /** The owner already made `maxOrderAttempts` payments for this `externalOrderId`: nothing was written. */
  | { kind: 'order_attempts_exhausted'; attempts: number };

export interface ListPaymentsInput {
  ownerId: string;
  externalOrderId?: string;
  status?: PaymentStatus;
  limit: number;
  /** Keyset cursor: only payments strictly older than this (`createdAt`, then `id`) position. */
  before?: PaymentListPosition;
}

/** `listAllPayments`: like {@link ListPaymentsInput}, across owners, without the order filter. */
export type ListAllPaymentsInput = Omit<ListPaymentsInput, 'ownerId' | 'externalOrderId'>;

/** A payment's place in `listPayments`' order. */
export interface PaymentListPosition {
  createdAt: Date;
  id: string;
}

export interface TransitionInput {
  paymentId: string;
  /** Applies only if the stored version still equals this; the stored version becomes `expectedVersion + 1`. */
  expectedVersion: number;
  /**
   * Setting `orderReference` to a new value appends it to `orderReferences` (unique across all payments;
   * a taken one → ClickPesaKitError('STORE_CONFLICT'), nothing written). A key whose value is `undefined`
   * leaves the field as it is; `null` writes null.
   */
  changes: PaymentChanges;
  events?: NewEvent[];
  audit?: AuditEntry[];
  /**
   * Fencing: when given, applies only if this is still the payment's current lease token. Checked before
   * the version: a stale token reports `stale_lease` even when the version is stale too.
   */
  leaseToken?: number;
  /** With `leaseToken`: free the lease in the same step. */
  releaseLease?: boolean;
}

export type TransitionResult =
  | { applied: true; payment: PaymentRecord; events: StoredEvent[] }
  /**
   * Version or lease token moved on (or the payment is gone); `payment` is the current row.
   * `order_busy`: the change would give the payment's order (owner, `externalOrderId`) a second
   * `pending`/`processing`/`success` payment; nothing was written.
   */
  | {
      applied: false;
      payment: PaymentRecord | null;
      reason: 'version_conflict' | 'stale_lease' | 'not_found' | 'order_busy';
    };

export interface IdempotencyRecord {
  ownerId: string;
  key: string;
  /** Hash of the normalised request (owner, route, amount, currency, msisdn, provider, ...). */
  fingerprint: string;
  /** Which route used the key ("initiate" or "retry:<paymentId>"). */
  scope: string;
  paymentId: string;
  state: 'in_flight' | 'completed';
  createdAt: Date;
  expiresAt: Date;
}

export type ClaimIdempotencyResult = { kind: 'claimed' } | { kind: 'exists'; existing: IdempotencyRecord };

export interface WebhookReceipt {
  /** sha256 of the raw body, or of (orderReference, status, updatedAt): duplicates share it. */
  dedupeKey: string;
  orderReference: string | null;
  paymentId: string | null;
  eventType: string | null;
  providerStatus: string | null;
  /** True when no payment of ours has this order reference. */
  orphan: boolean;
  verified: boolean;
  receivedAt: Date;
  /** The parsed payload (checksum fields removed). */
  payload: unknown;
}

export interface AuditEntry {
  paymentId: string | null;
  at: Date;
  kind:
    | 'provider_request'
    | 'provider_response'
    | 'transition'
    | 'transition_ignored'
    | 'webhook'
    | 'retry'
    | 'cancel'
    | 'note';
  /** JSON-serialisable; secrets and tokens already redacted. */
  data: Record<string, unknown>;
}

export interface NewEvent {
  /** Stable id (uuid) used as the event id everywhere. */
  id: string;
  type: PaymentEventType;
  occurredAt: Date;
  data: Record<string, unknown>;
  /** Consumers the outbox delivers this event to (one delivery row each, written in the same step). */
  deliverTo?: readonly string[];
}

export interface StoredEvent extends Omit<NewEvent, 'deliverTo'> {
  paymentId: string;
  /** 1, 2, 3... per payment; unique with paymentId. */
  seq: number;
  /** Global order over all events (ascending with commit order, gaps allowed); the `listEventsSince` cursor. */
  position: number;
  /** The payment as the step that stored this event left it (null only for events older than the outbox). */
  payment: PaymentRecord | null;
}

/** Which consumers the toolkit writes deliveries for: the app's durable handlers, and `callback_url`. */
export type EventConsumer = 'handlers' | 'callback';

export interface ClaimDeliveriesInput {
  consumer: string;
  now: Date;
  limit: number;
  leaseMs: number;
  /** Who holds the leases (an instance id), for diagnostics. */
  owner: string;
}

/** One event for one consumer, as the outbox holds it. */
export interface EventDelivery {
  event: StoredEvent;
  consumer: string;
  state: 'pending' | 'delivered' | 'dead';
  /** Failed attempts so far. */
  attempts: number;
  nextAttemptAt: Date | null;
  lastError: string | null;
  /** Current lease token (fencing, as for payments); bumped by every claim. */
  leaseToken: number;
  leaseUntil: Date | null;
  deliveredAt: Date | null;
}

export interface SettleDeliveryInput {
  consumer: string;
  eventId: string;
  leaseToken: number;
  now: Date;
}

export interface FailDeliveryInput extends SettleDeliveryInput {
  /** A short description of the failure (no secrets; truncated by the caller). */
  error: string;
  /** When to try again; null dead-letters the delivery. */
  retryAt: Date | null;
}

export interface ListDeadDeliveriesInput {
  consumer?: string;
  /** Only dead letters whose event position is greater (paging). */
  after?: number;
  limit: number;
}

export interface OutboxStats {
  pending: number;
  dead: number;
  /** `occurredAt` of the oldest pending delivery's event, or null when nothing is pending. */
  oldestPendingAt: Date | null;
}

export interface PruneRecordsInput {
  eventsBefore?: Date;
  receiptsBefore?: Date;
  auditBefore?: Date;
  /** Rows per kind per call (keeps each delete short); default 1000. */
  limit?: number;
}

export interface PruneRecordsResult {
  events: number;
  receipts: number;
  audit: number;
}

/** What `claimDue` leases: up to `limit` due payments, to `owner`, for `leaseMs` from `now`. */
export interface ClaimDueInput {
  now: Date;
  limit: number;
  leaseMs: number;
  /** Who holds the leases (an instance id), for diagnostics. */
  owner: string;
}

export interface ClaimedPayment {
  payment: PaymentRecord;
  leaseToken: number;
  leaseUntil: Date;
}

/** A token bucket kept in shared storage. */
export interface SharedBudget {
  /**
   * Takes one token from bucket `name` (capacity `capacity`, refilled at `capacity` per `intervalMs`).
   * Returns 0 when granted, otherwise how many ms to wait before a token is available (nothing taken).
   */
  take(name: string, capacity: number, intervalMs: number, now: Date): Promise<number>;
  /**
   * Optional: deletes up to `limit` buckets untouched since `idleSince` and returns how many. A bucket left
   * alone for longer than its interval is full again, so deleting it changes no answer; the push limits keep a
   * bucket per phone number, owner and client address, which would otherwise stay forever. Retention calls it.
   */
  prune?(idleSince: Date, limit: number): Promise<number>;
}
