import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PaymentRecord, PaymentStore } from '@clickpesa-kit/core';
import {
  type AuditEntry,
  applyPaymentChanges,
  byDueOrder,
  type ClaimDeliveriesInput,
  type ClaimDueInput,
  type ClaimedPayment,
  type ClaimIdempotencyResult,
  type CreatePaymentInput,
  type CreatePaymentResult,
  claimsOrder,
  DEFAULT_PRUNE_LIMIT,
  type EventDelivery,
  type FailDeliveryInput,
  type IdempotencyRecord,
  inFlightIdempotency,
  isIdempotencyLive,
  type ListAllPaymentsInput,
  type ListDeadDeliveriesInput,
  type ListPaymentsInput,
  type NewEvent,
  newDeliveries,
  numberEvents,
  type OutboxStats,
  orderReferencesOf,
  type PruneRecordsInput,
  type PruneRecordsResult,
  type SettleDeliveryInput,
  type SharedBudget,
  type StoredEvent,
  type TransitionInput,
  type TransitionResult,
  toEventDelivery,
  transitionRefusal,
  type WebhookReceipt,
} from '@clickpesa-kit/core/store';
import type Database from 'better-sqlite3';
import { migrateSqlite } from './migrate.js';
import { openDatabase, type SqliteDriver } from './open-database.js';
import {
  auditRows,
  type DeliveryRow,
  deliveryRows,
  eventRows,
  idempotencyRows,
  PAYMENT_COLUMNS,
  type PaymentRow,
  paymentRows,
  receiptRows,
} from './rows.js';
import { isBusy, storeClosedError, toOpenError, toStoreError } from './sqlite-errors.js';
import { prepareStatements, type Statements } from './statements.js';
import { takeToken } from './token-bucket.js';

export interface SqliteStoreOptions {
  /** Path of the database file (its directory is created), or `':memory:'` for a private in-process database. */
  filename: string;
  /** How long a write waits for another process's write lock before failing. Default 5000 ms. */
  busyTimeoutMs?: number;
  /**
   * `normal` (default; SQLite's recommendation for WAL): every commit survives a crash or kill -9 of the
   * process, and the file is never corrupted; a power cut or OS crash may roll back the last commits.
   * `full` also survives those, at the price of an fsync per commit (~25× slower where fsync is slow).
   */
  synchronous?: 'full' | 'normal';
  /** How often an operation that still finds the database locked after the busy timeout is retried. Default 3. */
  busyRetries?: number;
  /** The SQLite binding: `better-sqlite3` (default) or Node's built-in `node:sqlite` (Node 22.13+). */
  driver?: SqliteDriver;
}

export interface SqliteStore extends PaymentStore {
  readonly kind: 'sqlite';
  readonly budget: SharedBudget;
  /** The schema version of the open file. */
  readonly schemaVersion: number;
}

/**
 * A PaymentStore in one SQLite file (WAL mode), shared safely by several processes.
 * better-sqlite3 is synchronous, so each operation is one BEGIN IMMEDIATE transaction with no await
 * inside: atomic by construction, and never held across the caller's I/O.
 */
export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const memory = options.filename === ':memory:' || options.filename === '';
  let db: Database.Database;
  try {
    if (!memory && !options.filename.startsWith('file:'))
      mkdirSync(dirname(options.filename), { recursive: true });
    db = openDatabase(options.driver, options.filename, options.busyTimeoutMs ?? 5000);
  } catch (error) {
    throw toOpenError(error);
  }
  try {
    if (!memory) db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    // A larger page cache and memory-mapped reads: fewer read syscalls on the hot path.
    db.pragma('cache_size = -32000');
    db.pragma('mmap_size = 268435456');
    migrateSqlite(db);
  } catch (error) {
    db.close();
    throw toStoreError(error);
  }
  return new SqlitePaymentStore(db, !memory, options.busyRetries ?? 3);
}

class SqlitePaymentStore implements SqliteStore {
  readonly kind = 'sqlite' as const;
  readonly shared: boolean;
  readonly budget: SharedBudget;
  readonly schemaVersion: number;
  private readonly sql: Statements;
  /** One wrapper for every write (better-sqlite3 builds a few closures per `transaction()` call). */
  private readonly inTransaction: Database.Transaction<(operation: () => unknown) => unknown>;

  constructor(
    private readonly db: Database.Database,
    shared: boolean,
    private readonly busyRetries: number,
  ) {
    this.shared = shared;
    this.sql = prepareStatements(db);
    this.inTransaction = db.transaction((operation: () => unknown) => operation());
    this.schemaVersion = (
      db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number }
    ).v;
    this.budget = {
      take: (name, capacity, intervalMs, now) => this.takeBudget(name, capacity, intervalMs, now),
      prune: (idleSince, limit) =>
        this.write(() => this.sql.pruneBuckets.run(idleSince.getTime(), Math.max(0, limit)).changes),
    };
  }

  createPayment(input: CreatePaymentInput): Promise<CreatePaymentResult> {
    return this.write(() => {
      const { payment, idempotency } = input;
      if (idempotency) {
        const existing = this.liveIdempotency(idempotency.ownerId, idempotency.key, idempotency.createdAt);
        if (existing) return { kind: 'idempotency_conflict', existing };
      }
      if (input.exclusiveMsisdn) {
        const busy = this.activePush(payment.msisdn, payment.id, input.msisdnHeldSince);
        if (busy) return { kind: 'msisdn_busy', paymentId: busy.id };
      }
      if (payment.externalOrderId !== null) {
        // one writer at a time (BEGIN IMMEDIATE): these checks hold until the insert commits
        const holder = this.sql.orderHolder.get(payment.ownerId, payment.externalOrderId, payment.id);
        if (holder) return { kind: 'order_busy', paymentId: holder.id };
        if (input.maxOrderAttempts !== undefined) {
          const { n } = this.sql.orderPaymentCount.get(payment.ownerId, payment.externalOrderId)!;
          if (n >= input.maxOrderAttempts) return { kind: 'order_attempts_exhausted', attempts: n };
        }
      }
      const orderReferences = orderReferencesOf(payment);
      const params = paymentRows.toRow({ ...payment, orderReferences });
      const created = paymentRows.fromRow(params);
      this.sql.insertPayment.run({ ...params, last_event_seq: input.events?.length ?? 0 });
      for (const reference of orderReferences) this.sql.insertReference.run(reference, payment.id);
      if (idempotency) {
        this.sql.insertIdempotency.run(idempotencyRows.toRow(inFlightIdempotency(idempotency, payment.id)));
      }
      const events = this.insertEvents(created, 0, input.events);
      this.insertAudit(input.audit);
      return { kind: 'created', payment: created, events };
    });
  }

  getPayment(id: string, ownerId?: string): Promise<PaymentRecord | null> {
    return this.read(() =>
      decodeOrNull(
        ownerId === undefined ? this.sql.paymentById.get(id) : this.sql.paymentByIdAndOwner.get(id, ownerId),
      ),
    );
  }

  getPaymentByOrderReference(orderReference: string): Promise<PaymentRecord | null> {
    return this.read(() => decodeOrNull(this.sql.paymentByReference.get(orderReference)));
  }

  getPaymentByTransactionId(transactionId: string): Promise<PaymentRecord | null> {
    return this.read(() => decodeOrNull(this.sql.paymentByTransactionId.get(transactionId)));
  }

  hasActivePush(msisdn: string, exceptPaymentId?: string, heldSince?: Date): Promise<boolean> {
    return this.read(() => this.activePush(msisdn, exceptPaymentId ?? '', heldSince) !== undefined);
  }

  listPayments(input: ListPaymentsInput): Promise<PaymentRecord[]> {
    return this.read(() => {
      const { before } = input;
      const statement = this.sql.listPayments(
        true,
        input.externalOrderId !== undefined,
        input.status !== undefined,
        before !== undefined,
      );
      return statement
        .all({
          owner_id: input.ownerId,
          external_order_id: input.externalOrderId ?? null,
          status: input.status ?? null,
          before_at: before?.createdAt.getTime() ?? null,
          before_id: before?.id ?? null,
          limit: Math.max(0, input.limit),
        })
        .map((row) => paymentRows.fromRow(row));
    });
  }

  listAllPayments(input: ListAllPaymentsInput): Promise<PaymentRecord[]> {
    return this.read(() => {
      const { before } = input;
      return this.sql
        .listPayments(false, false, input.status !== undefined, before !== undefined)
        .all({
          status: input.status ?? null,
          before_at: before?.createdAt.getTime() ?? null,
          before_id: before?.id ?? null,
          limit: Math.max(0, input.limit),
        })
        .map((row) => paymentRows.fromRow(row));
    });
  }

  /** A payment holding the MSISDN (store-rules `holdsMsisdn`); without `heldSince` no cancelled one does. */
  private activePush(msisdn: string, except: string, heldSince?: Date): { id: string } | undefined {
    // MAX_SAFE_INTEGER: no attempt started that late, so no cancelled payment matches
    const held = heldSince?.getTime() ?? Number.MAX_SAFE_INTEGER;
    return this.sql.activePushForMsisdn.get({ msisdn, except, held_since: held });
  }

  transition(input: TransitionInput): Promise<TransitionResult> {
    return this.write((): TransitionResult => {
      const row = this.sql.paymentById.get(input.paymentId);
      if (!row) return { applied: false, payment: null, reason: 'not_found' };
      const current = paymentRows.fromRow(row);
      const refusal = transitionRefusal(input, { version: row.version, leaseToken: row.lease_token });
      if (refusal) return { applied: false, payment: current, reason: refusal };
      const { next, newOrderReference } = applyPaymentChanges(current, input.changes);
      if (claimsOrder(current, next)) {
        const holder = this.sql.orderHolder.get(next.ownerId, next.externalOrderId, next.id);
        if (holder) return { applied: false, payment: current, reason: 'order_busy' };
      }
      // A reference is never reused, not even one of this payment's earlier attempts: the insert fails then.
      if (newOrderReference !== null) this.sql.insertReference.run(newOrderReference, current.id);
      const params = paymentRows.toRow(next);
      const updated = paymentRows.fromRow(params);
      // Only the columns that changed are written, so untouched indexes are left alone.
      const changed = PAYMENT_COLUMNS.filter((column) => params[column] !== row[column]);
      this.sql
        .updatePayment(changed, input.leaseToken !== undefined && input.releaseLease === true)
        .run({ ...params, last_event_seq: row.last_event_seq + (input.events?.length ?? 0) });
      const events = this.insertEvents(updated, row.last_event_seq, input.events);
      this.insertAudit(input.audit);
      return { applied: true, payment: updated, events };
    });
  }

  claimIdempotency(record: IdempotencyRecord): Promise<ClaimIdempotencyResult> {
    return this.write((): ClaimIdempotencyResult => {
      const existing = this.liveIdempotency(record.ownerId, record.key, record.createdAt);
      if (existing) return { kind: 'exists', existing };
      this.sql.insertIdempotency.run(idempotencyRows.toRow(record));
      return { kind: 'claimed' };
    });
  }

  getIdempotency(ownerId: string, key: string, now: Date): Promise<IdempotencyRecord | null> {
    return this.read(() => {
      const row = this.sql.idempotency.get(ownerId, key);
      const record = row && idempotencyRows.fromRow(row);
      return record && isIdempotencyLive(record, now) ? record : null;
    });
  }

  completeIdempotency(ownerId: string, key: string): Promise<void> {
    return this.write(() => {
      this.sql.completeIdempotency.run(ownerId, key);
    });
  }

  pruneIdempotency(now: Date): Promise<number> {
    return this.write(() => this.sql.pruneIdempotency.run(now.getTime()).changes);
  }

  recordWebhookReceipt(receipt: WebhookReceipt): Promise<{ inserted: boolean }> {
    return this.write(() => ({
      inserted: this.sql.insertReceipt.run(receiptRows.toRow(receipt)).changes === 1,
    }));
  }

  listWebhookReceipts(filter?: { orderReference?: string }): Promise<WebhookReceipt[]> {
    return this.read(() => {
      const rows =
        filter?.orderReference === undefined
          ? this.sql.allReceipts.all()
          : this.sql.receiptsByReference.all(filter.orderReference);
      return rows.map(receiptRows.fromRow);
    });
  }

  appendAudit(entries: AuditEntry[]): Promise<void> {
    return this.write(() => this.insertAudit(entries));
  }

  listAudit(paymentId: string): Promise<AuditEntry[]> {
    return this.read(() => this.sql.auditOf.all(paymentId).map(auditRows.fromRow));
  }

  listEvents(paymentId: string): Promise<StoredEvent[]> {
    return this.read(() => this.sql.eventsOf.all(paymentId).map(eventRows.fromRow));
  }

  claimEventDeliveries(input: ClaimDeliveriesInput): Promise<EventDelivery[]> {
    return this.write(() => {
      if (input.limit <= 0) return [];
      const now = input.now.getTime();
      const heads = this.sql.claimableDeliveries.all({ consumer: input.consumer, now, limit: input.limit });
      return heads.map(({ event_id }) => {
        const row = this.sql.leaseDelivery.get({
          event_id,
          consumer: input.consumer,
          owner: input.owner,
          until: now + input.leaseMs,
        })!;
        return this.delivery(row);
      });
    });
  }

  completeEventDelivery(input: SettleDeliveryInput): Promise<boolean> {
    return this.write(
      () => this.sql.completeDelivery.run({ ...heldParams(input), now: input.now.getTime() }).changes === 1,
    );
  }

  failEventDelivery(input: FailDeliveryInput): Promise<boolean> {
    return this.write(
      () =>
        this.sql.failDelivery.run({
          ...heldParams(input),
          error: input.error,
          retry_at: input.retryAt?.getTime() ?? null,
        }).changes === 1,
    );
  }

  listDeadDeliveries(input: ListDeadDeliveriesInput): Promise<EventDelivery[]> {
    return this.read(() => {
      if (input.limit <= 0) return [];
      const rows = this.sql.deadDeliveries.all({
        consumer: input.consumer ?? null,
        after: input.after ?? 0,
        limit: input.limit,
      });
      return rows.map((row) => this.delivery(row));
    });
  }

  replayDeadDelivery(input: { consumer: string; eventId: string; now: Date }): Promise<boolean> {
    return this.write(
      () =>
        this.sql.replayDelivery.run({
          event_id: input.eventId,
          consumer: input.consumer,
          now: input.now.getTime(),
        }).changes === 1,
    );
  }

  listEventsSince(input: { after: number | null; limit: number }): Promise<StoredEvent[]> {
    return this.read(() =>
      input.limit <= 0 ? [] : this.sql.eventsSince.all(input.after ?? 0, input.limit).map(eventRows.fromRow),
    );
  }

  outboxStats(): Promise<OutboxStats> {
    return this.read(() => {
      const counts = this.sql.outboxCounts.get()!;
      const oldest = this.sql.oldestPending.get()?.at ?? null;
      return {
        pending: counts.pending ?? 0,
        dead: counts.dead ?? 0,
        oldestPendingAt: oldest === null ? null : new Date(oldest),
      };
    });
  }

  pruneRecords(input: PruneRecordsInput): Promise<PruneRecordsResult> {
    const limit = input.limit ?? DEFAULT_PRUNE_LIMIT;
    // One short transaction per kind: a big prune never holds the write lock for long.
    return this.write(() => {
      if (input.eventsBefore === undefined || limit <= 0) return 0;
      const events = this.sql.prunableEvents.all(input.eventsBefore.getTime(), limit);
      for (const event of events) {
        this.sql.deleteDeliveriesOf.run(event.id);
        this.sql.deleteEvent.run(event.payment_id, event.seq);
      }
      return events.length;
    }).then(async (events) => ({
      events,
      receipts:
        input.receiptsBefore === undefined || limit <= 0
          ? 0
          : await this.write(
              () => this.sql.pruneReceipts.run(input.receiptsBefore!.getTime(), limit).changes,
            ),
      audit:
        input.auditBefore === undefined || limit <= 0
          ? 0
          : await this.write(() => this.sql.pruneAudit.run(input.auditBefore!.getTime(), limit).changes),
    }));
  }

  claimDue(input: ClaimDueInput): Promise<ClaimedPayment[]> {
    return this.write(() => {
      if (input.limit <= 0) return [];
      const now = input.now.getTime();
      const rows = this.sql.claimDue.all({
        owner: input.owner,
        now,
        until: now + input.leaseMs,
        limit: input.limit,
      });
      // RETURNING has no defined order: restore "oldest due first".
      return rows
        .map((row) => ({
          payment: paymentRows.fromRow(row),
          leaseToken: row.lease_token,
          leaseUntil: new Date(row.lease_until ?? now + input.leaseMs),
        }))
        .sort((a, b) => byDueOrder(a.payment, b.payment));
    });
  }

  releaseLease(paymentId: string, leaseToken: number): Promise<void> {
    return this.write(() => {
      this.sql.releaseLease.run(paymentId, leaseToken);
    });
  }

  ping(): Promise<void> {
    return this.read(() => {
      this.sql.ping.get();
    });
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    try {
      this.db.pragma('optimize'); // refreshes planner statistics where they went stale (SQLite's advice on close)
    } finally {
      this.db.close();
    }
  }

  private takeBudget(name: string, capacity: number, intervalMs: number, now: Date): Promise<number> {
    return this.write(() => {
      const row = this.sql.bucket.get(name);
      const state = row && { tokens: row.tokens, updatedAt: row.updated_at };
      const { next, waitMs } = takeToken(state, capacity, intervalMs, now.getTime());
      this.sql.saveBucket.run(name, next.tokens, next.updatedAt);
      return waitMs;
    });
  }

  /** The unexpired record for (owner, key) as of `now`; an expired one is deleted so the key can be claimed again. */
  private liveIdempotency(ownerId: string, key: string, now: Date): IdempotencyRecord | null {
    const row = this.sql.idempotency.get(ownerId, key);
    if (!row) return null;
    const record = idempotencyRows.fromRow(row);
    if (isIdempotencyLive(record, now)) return record;
    this.sql.deleteIdempotency.run(ownerId, key);
    return null;
  }

  /**
   * Stores `events` for `payment` after `lastSeq`, with their deliveries. SQLite gives each its position in
   * this same transaction: the write lock is held until commit, so positions ascend in commit order.
   */
  private insertEvents(
    payment: PaymentRecord,
    lastSeq: number,
    events: NewEvent[] | undefined,
  ): StoredEvent[] {
    if (!events || events.length === 0) return [];
    const stored = numberEvents(payment, lastSeq, events).map((event) => ({
      ...event,
      position: this.sql.insertEvent.get(eventRows.toRow(event))!.position,
    }));
    for (const row of newDeliveries(events, stored)) this.sql.insertDelivery.run(deliveryRows.toRow(row));
    return stored;
  }

  /** A delivery row with its event, as the contract hands it out. */
  private delivery(row: DeliveryRow): EventDelivery {
    const event = eventRows.fromRow(this.sql.eventAt.get(row.payment_id, row.seq)!);
    return toEventDelivery(deliveryRows.fromRow(row), event);
  }

  private insertAudit(entries: AuditEntry[] | undefined): void {
    for (const entry of entries ?? []) this.sql.insertAudit.run(auditRows.toRow(entry));
  }

  private read<T>(operation: () => T): Promise<T> {
    return this.run(operation);
  }

  /** One BEGIN IMMEDIATE transaction: the write lock is taken before the first read, so read-then-write is safe. */
  private write<T>(operation: () => T): Promise<T> {
    return this.run(() => this.inTransaction.immediate(operation) as T);
  }

  /** Runs `operation`, retrying a few times when another process still holds the lock after the busy timeout. */
  private async run<T>(operation: () => T): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (!this.db.open) throw storeClosedError();
      try {
        return operation();
      } catch (error) {
        if (!isBusy(error) || attempt >= this.busyRetries) throw toStoreError(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * (attempt + 1)));
    }
  }
}

function heldParams(input: SettleDeliveryInput) {
  return { event_id: input.eventId, consumer: input.consumer, lease_token: input.leaseToken };
}

function decodeOrNull(row: PaymentRow | undefined): PaymentRecord | null {
  return row ? paymentRows.fromRow(row) : null;
}
