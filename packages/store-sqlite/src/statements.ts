import {
  ACTIVE_STATUSES,
  EVENT_DELIVERY_FIELDS,
  EVENT_FIELDS,
  ORDER_HOLDING_STATUSES,
} from '@clickpesa-kit/core/store';
import type Database from 'better-sqlite3';
import { type DeliveryRow, type IdempotencyRow, PAYMENT_COLUMNS, type PaymentRow, type Row } from './rows.js';

const ACTIVE_STATUS_LIST = [...ACTIVE_STATUSES].map((status) => `'${status}'`).join(', ');
const ORDER_HOLDING_LIST = [...ORDER_HOLDING_STATUSES].map((status) => `'${status}'`).join(', ');
/** The MSISDN hold (store-rules `holdsMsisdn`): open, or cancelled, still reconciled and started since @held_since. */
const HOLDS_MSISDN = `(status IN (${ACTIVE_STATUS_LIST}) OR (status = 'cancelled' AND next_poll_at IS NOT NULL AND attempt_started_at >= @held_since))`;
const paymentColumnList = PAYMENT_COLUMNS.join(', ');
const paymentValueList = PAYMENT_COLUMNS.map((column) => `@${column}`).join(', ');

type Params = Row;

/** `INSERT INTO table (columns) VALUES (@columns)` for a field table. */
function insertSql(table: string, fields: readonly { column: string }[]): string {
  const columns = fields.map((field) => field.column);
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`;
}

/** Which rows of `event_deliveries` a settle (complete or fail) may touch: held under the current token. */
const HELD_DELIVERY =
  "event_id = @event_id AND consumer = @consumer AND state = 'pending' AND lease_token = @lease_token";

/** The part of a better-sqlite3 statement the store uses. */
export interface Statement<P extends unknown[], Result> {
  run(...params: P): { changes: number };
  get(...params: P): Result | undefined;
  all(...params: P): Result[];
}

/** Every statement the store runs, prepared once per connection. */
export function prepareStatements(db: Database.Database) {
  const get = <Result>(sql: string): Statement<unknown[], Result> => db.prepare<unknown[], Result>(sql);
  const put = <P extends unknown[], Result = unknown>(sql: string): Statement<P, Result> =>
    db.prepare<P, Result>(sql);
  const updates = new Map<string, Statement<[Params], unknown>>();
  const lists = new Map<string, Statement<[Params], PaymentRow>>();
  return {
    paymentById: get<PaymentRow>('SELECT * FROM payments WHERE id = ?'),
    paymentByIdAndOwner: get<PaymentRow>('SELECT * FROM payments WHERE id = ? AND owner_id = ?'),
    paymentByReference: get<PaymentRow>(
      'SELECT p.* FROM payment_references r JOIN payments p ON p.id = r.payment_id WHERE r.order_reference = ?',
    ),
    paymentByTransactionId: get<PaymentRow>(
      'SELECT * FROM payments WHERE transaction_id = ? ORDER BY created_at DESC, id DESC LIMIT 1',
    ),
    activePushForMsisdn: get<{ id: string }>(
      `SELECT id FROM payments WHERE msisdn = @msisdn AND status IN (${ACTIVE_STATUS_LIST}, 'cancelled') AND ${HOLDS_MSISDN} AND id <> @except LIMIT 1`,
    ),
    orderHolder: get<{ id: string }>(
      `SELECT id FROM payments WHERE owner_id = ? AND external_order_id = ? AND status IN (${ORDER_HOLDING_LIST}) AND id <> ? LIMIT 1`,
    ),
    orderPaymentCount: get<{ n: number }>(
      'SELECT COUNT(*) AS n FROM payments WHERE owner_id = ? AND external_order_id = ?',
    ),
    /**
     * listPayments (one owner) and listAllPayments (every owner, `byOwner` false): one statement per filter
     * shape, the keyset condition written out for the index.
     */
    listPayments: (
      byOwner: boolean,
      byOrder: boolean,
      byStatus: boolean,
      paged: boolean,
    ): Statement<[Params], PaymentRow> => {
      const shape = `list|${byOwner}|${byOrder}|${byStatus}|${paged}`;
      let statement = lists.get(shape);
      if (!statement) {
        const where = [byOwner ? 'owner_id = @owner_id' : '1 = 1'];
        if (byOrder) where.push('external_order_id = @external_order_id');
        if (byStatus) where.push('status = @status');
        if (paged) where.push('(created_at < @before_at OR (created_at = @before_at AND id < @before_id))');
        statement = db.prepare<[Params], PaymentRow>(
          `SELECT * FROM payments WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT @limit`,
        );
        lists.set(shape, statement);
      }
      return statement;
    },
    insertPayment: put<[Params]>(
      `INSERT INTO payments (${paymentColumnList}, last_event_seq) VALUES (${paymentValueList}, @last_event_seq)`,
    ),
    /** UPDATE of the given columns (plus the event counter, and the lease when released), prepared once per shape. */
    updatePayment: (columns: readonly string[], releaseLease: boolean): Statement<[Params], unknown> => {
      const shape = `${columns.join(',')}|${releaseLease}`;
      let statement = updates.get(shape);
      if (!statement) {
        const sets = [
          ...columns.map((column) => `${column} = @${column}`),
          'last_event_seq = @last_event_seq',
        ];
        if (releaseLease) sets.push('lease_owner = NULL', 'lease_until = NULL');
        statement = put<[Params]>(`UPDATE payments SET ${sets.join(', ')} WHERE id = @id`);
        updates.set(shape, statement);
      }
      return statement;
    },
    insertReference: put<[string, string]>(
      'INSERT INTO payment_references (order_reference, payment_id) VALUES (?, ?)',
    ),
    /** The position is the rowid, handed out by SQLite (AUTOINCREMENT: never reused). */
    insertEvent: put<[Row], { position: number }>(
      `${insertSql(
        'payment_events',
        EVENT_FIELDS.filter((field) => field.name !== 'position'),
      )} RETURNING position`,
    ),
    eventsOf: get<Row>('SELECT * FROM payment_events WHERE payment_id = ? ORDER BY seq'),
    eventAt: get<Row>('SELECT * FROM payment_events WHERE payment_id = ? AND seq = ?'),
    eventsSince: get<Row>('SELECT * FROM payment_events WHERE position > ? ORDER BY position LIMIT ?'),
    insertDelivery: put<[Row]>(insertSql('event_deliveries', EVENT_DELIVERY_FIELDS)),
    /** The heads (lowest pending seq of their payment) that are due and free, oldest position first. */
    claimableDeliveries: get<{ event_id: string }>(
      `SELECT d.event_id FROM event_deliveries d
       WHERE d.consumer = @consumer AND d.state = 'pending'
         AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= @now)
         AND (d.lease_until IS NULL OR d.lease_until <= @now)
         AND NOT EXISTS (
           SELECT 1 FROM event_deliveries e
           WHERE e.consumer = d.consumer AND e.payment_id = d.payment_id AND e.state = 'pending' AND e.seq < d.seq
         )
       ORDER BY d.position LIMIT @limit`,
    ),
    leaseDelivery: put<[{ event_id: string; consumer: string; owner: string; until: number }], DeliveryRow>(
      `UPDATE event_deliveries SET lease_owner = @owner, lease_token = lease_token + 1, lease_until = @until
       WHERE event_id = @event_id AND consumer = @consumer RETURNING *`,
    ),
    completeDelivery: put<[Row]>(
      `UPDATE event_deliveries SET state = 'delivered', delivered_at = @now, lease_owner = NULL, lease_until = NULL
       WHERE ${HELD_DELIVERY}`,
    ),
    failDelivery: put<[Row]>(
      `UPDATE event_deliveries SET attempts = attempts + 1, last_error = @error, lease_owner = NULL, lease_until = NULL,
         state = CASE WHEN @retry_at IS NULL THEN 'dead' ELSE 'pending' END, next_attempt_at = @retry_at
       WHERE ${HELD_DELIVERY}`,
    ),
    deadDeliveries: get<DeliveryRow>(
      `SELECT * FROM event_deliveries WHERE state = 'dead' AND position > @after AND (@consumer IS NULL OR consumer = @consumer)
       ORDER BY position, consumer LIMIT @limit`,
    ),
    replayDelivery: put<[{ event_id: string; consumer: string; now: number }]>(
      `UPDATE event_deliveries SET state = 'pending', attempts = 0, next_attempt_at = @now
       WHERE event_id = @event_id AND consumer = @consumer AND state = 'dead'`,
    ),
    outboxCounts: get<{ pending: number | null; dead: number | null }>(
      `SELECT SUM(state = 'pending') AS pending, SUM(state = 'dead') AS dead FROM event_deliveries
       WHERE state IN ('pending', 'dead')`,
    ),
    oldestPending: get<{ at: number | null }>(
      `SELECT MIN(e.occurred_at) AS at FROM event_deliveries d
       JOIN payment_events e ON e.payment_id = d.payment_id AND e.seq = d.seq WHERE d.state = 'pending'`,
    ),
    /** Events before the cutoff none of whose deliveries is still pending or dead. */
    prunableEvents: get<{ payment_id: string; seq: number; id: string }>(
      `SELECT payment_id, seq, id FROM payment_events e
       WHERE occurred_at < ? AND NOT EXISTS (
         SELECT 1 FROM event_deliveries d WHERE d.event_id = e.id AND d.state <> 'delivered'
       )
       ORDER BY position LIMIT ?`,
    ),
    deleteDeliveriesOf: put<[string]>('DELETE FROM event_deliveries WHERE event_id = ?'),
    deleteEvent: put<[string, number]>('DELETE FROM payment_events WHERE payment_id = ? AND seq = ?'),
    pruneReceipts: put<[number, number]>(
      'DELETE FROM webhook_receipts WHERE seq IN (SELECT seq FROM webhook_receipts WHERE received_at < ? ORDER BY seq LIMIT ?)',
    ),
    pruneAudit: put<[number, number]>(
      'DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ? ORDER BY id LIMIT ?)',
    ),
    insertAudit: put<[Row]>(
      'INSERT INTO audit_log (payment_id, at, kind, data) VALUES (@payment_id, @at, @kind, @data)',
    ),
    auditOf: get<Row>('SELECT payment_id, at, kind, data FROM audit_log WHERE payment_id = ? ORDER BY id'),
    idempotency: get<IdempotencyRow>('SELECT * FROM idempotency_keys WHERE owner_id = ? AND key = ?'),
    deleteIdempotency: put<[string, string]>('DELETE FROM idempotency_keys WHERE owner_id = ? AND key = ?'),
    insertIdempotency: put<[Row]>(
      `INSERT INTO idempotency_keys (owner_id, key, fingerprint, scope, payment_id, state, created_at, expires_at)
       VALUES (@owner_id, @key, @fingerprint, @scope, @payment_id, @state, @created_at, @expires_at)`,
    ),
    completeIdempotency: put<[string, string]>(
      "UPDATE idempotency_keys SET state = 'completed' WHERE owner_id = ? AND key = ?",
    ),
    pruneIdempotency: put<[number]>('DELETE FROM idempotency_keys WHERE expires_at < ?'),
    insertReceipt: put<[Row]>(
      `INSERT INTO webhook_receipts (dedupe_key, order_reference, payment_id, event_type, provider_status, orphan, verified, received_at, payload)
       VALUES (@dedupe_key, @order_reference, @payment_id, @event_type, @provider_status, @orphan, @verified, @received_at, @payload)
       ON CONFLICT (dedupe_key) DO NOTHING`,
    ),
    allReceipts: get<Row>('SELECT * FROM webhook_receipts ORDER BY seq'),
    receiptsByReference: get<Row>('SELECT * FROM webhook_receipts WHERE order_reference = ? ORDER BY seq'),
    // Oldest due first; the subquery walks the payments_due index and stops after `limit` free rows.
    claimDue: put<[{ owner: string; now: number; until: number; limit: number }], PaymentRow>(
      `UPDATE payments SET lease_owner = @owner, lease_token = lease_token + 1, lease_until = @until
       WHERE id IN (
         SELECT id FROM payments
         WHERE next_poll_at IS NOT NULL AND next_poll_at <= @now AND (lease_until IS NULL OR lease_until <= @now)
         ORDER BY next_poll_at, id LIMIT @limit
       )
       RETURNING *`,
    ),
    releaseLease: put<[string, number]>(
      'UPDATE payments SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_token = ?',
    ),
    bucket: get<{ tokens: number; updated_at: number }>(
      'SELECT tokens, updated_at FROM provider_budget WHERE name = ?',
    ),
    saveBucket: put<[string, number, number]>(
      `INSERT INTO provider_budget (name, tokens, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at`,
    ),
    pruneBuckets: put<[number, number]>(
      `DELETE FROM provider_budget WHERE name IN (
         SELECT name FROM provider_budget WHERE updated_at < ? LIMIT ?)`,
    ),
    ping: get<{ ok: number }>('SELECT 1 AS ok'),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
