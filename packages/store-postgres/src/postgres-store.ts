import { type Logger, type PaymentRecord, type PaymentStore, silentLogger } from '@clickpesa-kit/core';
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
  type ListAllPaymentsInput,
  type ListDeadDeliveriesInput,
  type ListPaymentsInput,
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
import pg from 'pg';
import { DEFAULT_SCHEMA, migrateWith } from './migrate.js';
import { insertAuditSql } from './outbox-sql.js';
import { insertPaymentStatement, transitionStatement } from './payment-sql.js';
import { isRetryable, toStoreError } from './pg-errors.js';
import { postgresValue } from './postgres-text.js';
import { buildQueries, type Queries } from './queries.js';
import {
  auditRows,
  deliveryRows,
  eventRows,
  idempotencyRows,
  type PaymentRow,
  paymentRows,
  type Row,
  receiptRows,
} from './rows.js';
import { MIGRATIONS } from './schema.js';
import { quoteSchema, SqlParams } from './sql-params.js';
import { type Transaction, withTransaction } from './transaction.js';

export interface PostgresStoreOptions {
  /** `postgres://...`; the store creates and owns a pool. */
  connectionString?: string;
  /** Or a pool you own (the store attaches an 'error' listener and never ends it). */
  pool?: pg.Pool;
  /** Schema holding the tables. Default `clickpesa_kit`. */
  schema?: string;
  /**
   * Which clock leases and due times are compared with: `database` (default, `now()`: instances with skewed
   * clocks still agree) or `caller` (the `now` the poller passes: fake clocks in tests).
   */
  clock?: 'database' | 'caller';
  /** Run `migrate()` before the first operation. Default false: run it explicitly or with the CLI. */
  migrate?: boolean;
  /** Pool size when the store creates the pool. Default 10. */
  maxConnections?: number;
  /** How long to wait for a connection before STORE_UNAVAILABLE. Default 5000 ms. */
  connectionTimeoutMs?: number;
  /** Retries of a transaction that hit a serialization failure or a deadlock. Default 5. */
  retries?: number;
  logger?: Logger;
}

export interface PostgresStore extends PaymentStore {
  readonly kind: 'postgres';
  readonly budget: SharedBudget;
  readonly schema: string;
  readonly pool: pg.Pool;
  /** Applies missing migrations (safe to call from several instances at once); returns the versions applied. */
  migrate(): Promise<number[]>;
}

export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  if (!options.pool && !options.connectionString) {
    throw new TypeError('createPostgresStore needs a connectionString or a pool');
  }
  return new PostgresPaymentStore(options);
}

class PostgresPaymentStore implements PostgresStore {
  readonly kind = 'postgres' as const;
  readonly shared = true;
  readonly budget: SharedBudget;
  readonly schema: string;
  readonly pool: pg.Pool;
  private readonly quoted: string;
  /** The advisory lock key fencing event positions in this schema (see `listEventsSince`). */
  private readonly positionLock: string;
  private readonly sql: Queries;
  private readonly clock: 'database' | 'caller';
  private readonly ownsPool: boolean;
  private readonly retries: number;
  private readonly logger: Logger;
  private migration: Promise<number[]> | undefined;
  private readonly migrateOnStart: boolean;
  private closed = false;

  constructor(options: PostgresStoreOptions) {
    this.schema = options.schema ?? DEFAULT_SCHEMA;
    this.quoted = quoteSchema(this.schema);
    this.positionLock = `clickpesa-kit:${this.schema}:event-positions`;
    this.clock = options.clock ?? 'database';
    this.sql = buildQueries(this.quoted, this.clock);
    this.retries = options.retries ?? 5;
    this.logger = options.logger ?? silentLogger;
    this.migrateOnStart = options.migrate ?? false;
    this.ownsPool = options.pool === undefined;
    this.pool =
      options.pool ??
      new pg.Pool({
        connectionString: options.connectionString,
        max: options.maxConnections ?? 10,
        connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
      });
    // An idle client whose connection drops emits 'error' on the pool; unhandled, it would crash the process.
    this.pool.on('error', this.onPoolError);
    this.budget = {
      take: (name, capacity, intervalMs, now) => this.takeBudget(name, capacity, intervalMs, now),
      prune: async (idleSince, limit) =>
        (await this.query(this.sql.pruneBuckets, [idleSince, Math.max(0, limit)])).rowCount ?? 0,
    };
  }

  private readonly onPoolError = (error: Error): void => {
    this.logger.warn({ err: error.message, store: 'postgres' }, 'idle PostgreSQL connection failed');
  };

  migrate(): Promise<number[]> {
    return this.attempt(() => migrateWith(this.pool, this.schema, MIGRATIONS));
  }

  async createPayment(input: CreatePaymentInput): Promise<CreatePaymentResult> {
    const { payment, idempotency } = input;
    const orderReferences = orderReferencesOf(payment);
    return this.transaction(async (tx): Promise<CreatePaymentResult> => {
      if (input.exclusiveMsisdn) {
        // Serialises creators for one MSISDN, so "none active" stays true until this one commits.
        await tx.query(this.sql.lockMsisdn, [`clickpesa-kit:${this.schema}:msisdn:${payment.msisdn}`]);
      }
      if (idempotency) {
        const claim = inFlightIdempotency(idempotency, payment.id);
        const claimed = await tx.query(this.sql.claimIdempotency, idempotencyRows.toValues(claim));
        if (claimed.rowCount === 0) {
          const existing = await tx.query<Row>(this.sql.idempotency, [idempotency.ownerId, idempotency.key]);
          return { kind: 'idempotency_conflict', existing: idempotencyRows.fromRow(existing.rows[0]!) };
        }
      }
      if (payment.externalOrderId !== null) {
        // Serialises creators for one order, so "none active" and the count stay true until this one commits.
        await tx.query(this.sql.lockMsisdn, [
          `clickpesa-kit:${this.schema}:order:${payment.ownerId.length}:${payment.ownerId}:${payment.externalOrderId}`,
        ]);
        const holder = await tx.query<{ id: string }>(this.sql.orderHolder, [
          payment.ownerId,
          payment.externalOrderId,
          payment.id,
        ]);
        if (holder.rows[0]) {
          tx.rollbackOnly();
          return { kind: 'order_busy', paymentId: holder.rows[0].id };
        }
        if (input.maxOrderAttempts !== undefined) {
          const count = await tx.query<{ n: number }>(this.sql.orderPaymentCount, [
            payment.ownerId,
            payment.externalOrderId,
          ]);
          const attempts = count.rows[0]?.n ?? 0;
          if (attempts >= input.maxOrderAttempts) {
            tx.rollbackOnly();
            return { kind: 'order_attempts_exhausted', attempts };
          }
        }
      }
      if (input.exclusiveMsisdn) {
        const busy = await tx.query<{ id: string }>(this.sql.activePushForMsisdn, [
          payment.msisdn,
          payment.id,
          input.msisdnHeldSince ?? null,
        ]);
        if (busy.rows[0]) {
          tx.rollbackOnly();
          return { kind: 'msisdn_busy', paymentId: busy.rows[0].id };
        }
      }
      const statement = insertPaymentStatement(this.quoted, input, orderReferences, this.positionLock);
      const { rows } = await tx.query<{ event_positions?: number[] }>(statement.text, statement.values);
      const created = { ...payment, orderReferences };
      return { kind: 'created', payment: created, events: withPositions(created, 0, input, rows[0]) };
    });
  }

  async getPayment(id: string, ownerId?: string): Promise<PaymentRecord | null> {
    const { rows } =
      ownerId === undefined
        ? await this.query<PaymentRow>(this.sql.paymentById, [id])
        : await this.query<PaymentRow>(this.sql.paymentByIdAndOwner, [id, ownerId]);
    return rows[0] ? paymentRows.fromRow(rows[0]) : null;
  }

  async getPaymentByOrderReference(orderReference: string): Promise<PaymentRecord | null> {
    const { rows } = await this.query<PaymentRow>(this.sql.paymentByReference, [orderReference]);
    return rows[0] ? paymentRows.fromRow(rows[0]) : null;
  }

  async getPaymentByTransactionId(transactionId: string): Promise<PaymentRecord | null> {
    const { rows } = await this.query<PaymentRow>(this.sql.paymentByTransactionId, [transactionId]);
    return rows[0] ? paymentRows.fromRow(rows[0]) : null;
  }

  async hasActivePush(msisdn: string, exceptPaymentId?: string, heldSince?: Date): Promise<boolean> {
    const { rows } = await this.query(this.sql.activePushForMsisdn, [
      msisdn,
      exceptPaymentId ?? '',
      heldSince ?? null,
    ]);
    return rows.length > 0;
  }

  async listPayments(input: ListPaymentsInput): Promise<PaymentRecord[]> {
    const { rows } = await this.query<PaymentRow>(this.sql.listPayments, [
      input.ownerId,
      input.externalOrderId ?? null,
      input.status ?? null,
      input.before?.createdAt ?? null,
      input.before?.id ?? null,
      Math.max(0, input.limit),
    ]);
    return rows.map((row) => paymentRows.fromRow(row));
  }

  async listAllPayments(input: ListAllPaymentsInput): Promise<PaymentRecord[]> {
    const { rows } = await this.query<PaymentRow>(this.sql.listAllPayments, [
      input.status ?? null,
      input.before?.createdAt ?? null,
      input.before?.id ?? null,
      Math.max(0, input.limit),
    ]);
    return rows.map((row) => paymentRows.fromRow(row));
  }

  async transition(input: TransitionInput): Promise<TransitionResult> {
    const busy = await this.orderBusyFor(input);
    if (busy) return busy;
    const statement = transitionStatement(this.quoted, input, this.positionLock);
    let rows: Array<PaymentRow & { event_positions?: number[] }>;
    try {
      ({ rows } = await this.query<PaymentRow & { event_positions?: number[] }>(
        statement.text,
        statement.values,
      ));
    } catch (error) {
      // ORD-2: the partial unique index refused a second active payment of the order; nothing was written
      if (!isActiveOrderViolation(error)) throw error;
      const current = (await this.query<PaymentRow>(this.sql.paymentById, [input.paymentId])).rows[0];
      return { applied: false, payment: current ? paymentRows.fromRow(current) : null, reason: 'order_busy' };
    }
    const updated = rows[0];
    if (updated) {
      const lastSeqBefore = updated.last_event_seq - (input.events?.length ?? 0);
      const payment = paymentRows.fromRow(updated);
      return { applied: true, payment, events: withPositions(payment, lastSeqBefore, input, updated) };
    }
    // Not applied: read the current row to say why (lease first: a stale holder must stop, not retry).
    const current = (await this.query<PaymentRow>(this.sql.paymentById, [input.paymentId])).rows[0];
    if (!current) return { applied: false, payment: null, reason: 'not_found' };
    const stored = { version: current.version as number, leaseToken: current.lease_token };
    const reason = transitionRefusal(input, stored) ?? 'version_conflict';
    return { applied: false, payment: paymentRows.fromRow(current), reason };
  }

  /**
   * ORD-2 for a retry (back to pending): another holder of the order refuses it, even one that merely
   * shares the order (`sharesOrder`, ORD-4) and so is not in the unique index. The index still decides
   * between two concurrent writers; this read adds the holders the index leaves out.
   */
  private async orderBusyFor(input: TransitionInput): Promise<TransitionResult | null> {
    // only a retry starts a new attempt; other writes into a holding status meet the index alone
    if (input.changes.status !== 'pending') return null;
    const row = (await this.query<PaymentRow>(this.sql.paymentById, [input.paymentId])).rows[0];
    if (!row) return null;
    const current = paymentRows.fromRow(row);
    if (transitionRefusal(input, { version: row.version as number, leaseToken: row.lease_token }))
      return null;
    const { next } = applyPaymentChanges(current, input.changes);
    if (!claimsOrder(current, next)) return null;
    const holder = await this.query<{ id: string }>(this.sql.orderHolder, [
      next.ownerId,
      next.externalOrderId,
      next.id,
    ]);
    return holder.rows[0] ? { applied: false, payment: current, reason: 'order_busy' } : null;
  }

  async claimIdempotency(record: IdempotencyRecord): Promise<ClaimIdempotencyResult> {
    return this.transaction(async (tx): Promise<ClaimIdempotencyResult> => {
      const claimed = await tx.query(this.sql.claimIdempotency, idempotencyRows.toValues(record));
      if ((claimed.rowCount ?? 0) > 0) return { kind: 'claimed' };
      // The conflicting row is locked by the INSERT above, so it is still there to read.
      const existing = await tx.query<Row>(this.sql.idempotency, [record.ownerId, record.key]);
      return { kind: 'exists', existing: idempotencyRows.fromRow(existing.rows[0]!) };
    });
  }

  async getIdempotency(ownerId: string, key: string, now: Date): Promise<IdempotencyRecord | null> {
    const { rows } = await this.query<Row>(this.sql.liveIdempotency, [ownerId, key, now]);
    return rows[0] ? idempotencyRows.fromRow(rows[0]) : null;
  }

  async completeIdempotency(ownerId: string, key: string): Promise<void> {
    await this.query(this.sql.completeIdempotency, [ownerId, key]);
  }

  async pruneIdempotency(now: Date): Promise<number> {
    return (await this.query(this.sql.pruneIdempotency, [now])).rowCount ?? 0;
  }

  async recordWebhookReceipt(receipt: WebhookReceipt): Promise<{ inserted: boolean }> {
    const result = await this.query(this.sql.insertReceipt, receiptRows.toValues(receipt));
    return { inserted: result.rowCount === 1 };
  }

  async listWebhookReceipts(filter?: { orderReference?: string }): Promise<WebhookReceipt[]> {
    const { rows } =
      filter?.orderReference === undefined
        ? await this.query<Row>(this.sql.allReceipts)
        : await this.query<Row>(this.sql.receiptsByReference, [filter.orderReference]);
    return rows.map(receiptRows.fromRow);
  }

  async appendAudit(entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const params = new SqlParams();
    await this.query(insertAuditSql(this.quoted, params, entries), params.values);
  }

  async listAudit(paymentId: string): Promise<AuditEntry[]> {
    return (await this.query<Row>(this.sql.auditOf, [paymentId])).rows.map(auditRows.fromRow);
  }

  async listEvents(paymentId: string): Promise<StoredEvent[]> {
    return (await this.query<Row>(this.sql.eventsOf, [paymentId])).rows.map(eventRows.fromRow);
  }

  async claimEventDeliveries(input: ClaimDeliveriesInput): Promise<EventDelivery[]> {
    if (input.limit <= 0) return [];
    const { rows } = await this.query<Row>(
      this.sql.claimDeliveries,
      this.withNow([input.consumer, input.limit, input.owner, input.leaseMs], input.now),
    );
    // RETURNING has no defined order: restore "oldest position first".
    return this.withEvents(rows.sort((a, b) => Number(a.position) - Number(b.position)));
  }

  async completeEventDelivery(input: SettleDeliveryInput): Promise<boolean> {
    const { rowCount } = await this.query(this.sql.completeDelivery, [
      input.eventId,
      input.consumer,
      input.leaseToken,
      input.now,
    ]);
    return rowCount === 1;
  }

  async failEventDelivery(input: FailDeliveryInput): Promise<boolean> {
    const { rowCount } = await this.query(this.sql.failDelivery, [
      input.eventId,
      input.consumer,
      input.leaseToken,
      input.error,
      input.retryAt,
    ]);
    return rowCount === 1;
  }

  async listDeadDeliveries(input: ListDeadDeliveriesInput): Promise<EventDelivery[]> {
    if (input.limit <= 0) return [];
    const { rows } = await this.query<Row>(this.sql.deadDeliveries, [
      input.after ?? 0,
      input.consumer ?? null,
      input.limit,
    ]);
    return this.withEvents(rows);
  }

  async replayDeadDelivery(input: { consumer: string; eventId: string; now: Date }): Promise<boolean> {
    const { rowCount } = await this.query(this.sql.replayDelivery, [
      input.eventId,
      input.consumer,
      input.now,
    ]);
    return rowCount === 1;
  }

  /**
   * Positions come from a sequence, so a writer can draw a lower one and commit after a writer with a higher
   * one. Every writer holds the shared side of an advisory lock from before it draws positions until it
   * ends; taking the exclusive side here waits those writers out (new ones wait behind it for the moment
   * this takes), so every position up to the sequence's last value then belongs to a finished transaction:
   * committed (visible) or rolled back (a gap). Nothing at or below the returned positions can appear later.
   */
  async listEventsSince(input: { after: number | null; limit: number }): Promise<StoredEvent[]> {
    if (input.limit <= 0) return [];
    return this.transaction(async (tx) => {
      await tx.query("SET LOCAL lock_timeout = '10s'");
      await tx.query(this.sql.fencePositions, [this.positionLock]);
      const { rows } = await tx.query<Row>(this.sql.eventsSince, [input.after ?? 0, input.limit]);
      return rows.map(eventRows.fromRow);
    });
  }

  async outboxStats(): Promise<OutboxStats> {
    const { rows } = await this.query<{ pending: string; dead: string; oldest_pending_at: Date | null }>(
      this.sql.outboxStats,
    );
    const row = rows[0]!;
    return { pending: Number(row.pending), dead: Number(row.dead), oldestPendingAt: row.oldest_pending_at };
  }

  async pruneRecords(input: PruneRecordsInput): Promise<PruneRecordsResult> {
    const limit = input.limit ?? DEFAULT_PRUNE_LIMIT;
    // One bounded statement per kind: a big backlog is pruned over several calls, never in one long lock.
    const prune = async (sql: string, before: Date | undefined) =>
      before === undefined || limit <= 0 ? 0 : ((await this.query(sql, [before, limit])).rowCount ?? 0);
    return {
      events: await prune(this.sql.pruneEvents, input.eventsBefore),
      receipts: await prune(this.sql.pruneReceipts, input.receiptsBefore),
      audit: await prune(this.sql.pruneAudit, input.auditBefore),
    };
  }

  /** Delivery rows with their events, in the rows' order. */
  private async withEvents(rows: Row[]): Promise<EventDelivery[]> {
    if (rows.length === 0) return [];
    const { rows: eventRowsFound } = await this.query<Row>(this.sql.eventsAt, [
      rows.map((row) => row.payment_id),
      rows.map((row) => row.seq),
    ]);
    const events = new Map(
      eventRowsFound.map((row) => [`${row.payment_id}\u0000${row.seq}`, eventRows.fromRow(row)]),
    );
    return rows.map((row) =>
      toEventDelivery(deliveryRows.fromRow(row), events.get(`${row.payment_id}\u0000${row.seq}`)!),
    );
  }

  async claimDue(input: ClaimDueInput): Promise<ClaimedPayment[]> {
    if (input.limit <= 0) return [];
    const { rows } = await this.query<PaymentRow>(
      this.sql.claimDue,
      this.withNow([input.owner, input.limit, input.leaseMs], input.now),
    );
    return rows
      .map((row) => ({
        payment: paymentRows.fromRow(row),
        leaseToken: row.lease_token,
        leaseUntil: row.lease_until as Date,
      }))
      .sort((a, b) => byDueOrder(a.payment, b.payment));
  }

  async releaseLease(paymentId: string, leaseToken: number): Promise<void> {
    await this.query(this.sql.releaseLease, [paymentId, leaseToken]);
  }

  async ping(): Promise<void> {
    await this.query(this.sql.ping);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsPool) await this.pool.end();
    else this.pool.off('error', this.onPoolError);
  }

  private async takeBudget(name: string, capacity: number, intervalMs: number, now: Date): Promise<number> {
    const { rows } = await this.query<{ tokens: number; granted: boolean }>(
      this.sql.takeBudget,
      this.withNow([name, capacity, intervalMs], now),
    );
    const row = rows[0]!;
    return row.granted ? 0 : Math.max(1, Math.ceil(((1 - row.tokens) * intervalMs) / capacity));
  }

  /** Appends the caller's `now` as parameter $4 when the store runs on the caller's clock. */
  private withNow(values: unknown[], now: Date): unknown[] {
    return this.clock === 'caller' ? [...values, now] : values;
  }

  private async query<Row extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<Row>> {
    await this.ready();
    return this.attempt(() => this.pool.query<Row>(text, values?.map(postgresValue)));
  }

  /** One short transaction; no caller code runs inside, so no transaction spans an HTTP call. */
  private async transaction<T>(body: (tx: Transaction) => Promise<T>): Promise<T> {
    await this.ready();
    return this.attempt(() =>
      withTransaction(this.pool, body, (error) =>
        this.logger.warn({ err: error.message, store: 'postgres' }, 'PostgreSQL connection failed'),
      ),
    );
  }

  /** Runs one statement or transaction, retrying serialization failures and deadlocks. */
  private async attempt<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closed)
      throw toStoreError(new Error('Cannot use a pool after calling end on the pool'), this.schema);
    for (let attempt = 0; ; attempt++) {
      try {
        return await operation();
      } catch (error) {
        if (!isRetryable(error) || attempt >= this.retries) throw toStoreError(error, this.schema);
        this.logger.debug(
          { attempt, store: 'postgres' },
          'retrying a PostgreSQL transaction after a conflict',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** attempt));
    }
  }

  /** With `migrate: true`, the first operation runs the migrations (once) and the others wait for them. */
  private async ready(): Promise<void> {
    if (!this.migrateOnStart) return;
    if (!this.migration) {
      this.migration = migrateWith(this.pool, this.schema, MIGRATIONS).catch((error: unknown) => {
        this.migration = undefined; // try again on the next operation
        throw error;
      });
    }
    await this.attempt(() => this.migration!);
  }
}

/** The step's events as stored: numbered after `lastSeq`, with the positions the statement returned. */
function withPositions(
  payment: PaymentRecord,
  lastSeq: number,
  input: { events?: CreatePaymentInput['events'] },
  row: { event_positions?: number[] } | undefined,
): StoredEvent[] {
  const positions = row?.event_positions ?? [];
  return numberEvents(payment, lastSeq, input.events).map((event, index) => ({
    ...event,
    position: Number(positions[index]),
  }));
}

/** A unique violation of `payments_active_order` (one active payment per order), as the store reports it. */
function isActiveOrderViolation(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string; constraint?: string } } | null)?.cause ?? error;
  const { code, constraint } = (cause ?? {}) as { code?: string; constraint?: string };
  return code === '23505' && constraint === 'payments_active_order';
}
