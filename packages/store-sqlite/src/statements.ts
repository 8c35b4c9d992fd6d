import { ACTIVE_STATUSES } from '@clickpesa-kit/core/store';
import type Database from 'better-sqlite3';
import { type IdempotencyRow, PAYMENT_COLUMNS, type PaymentRow, type Row } from './rows.js';

const ACTIVE_STATUS_LIST = [...ACTIVE_STATUSES].map((status) => `'${status}'`).join(', ');
const paymentColumnList = PAYMENT_COLUMNS.join(', ');
const paymentValueList = PAYMENT_COLUMNS.map((column) => `@${column}`).join(', ');

type Params = Row;

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
      `SELECT id FROM payments WHERE msisdn = ? AND status IN (${ACTIVE_STATUS_LIST}) AND id <> ? LIMIT 1`,
    ),
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
    insertEvent: put<[Row]>(
      'INSERT INTO payment_events (payment_id, seq, id, type, occurred_at, data) VALUES (@payment_id, @seq, @id, @type, @occurred_at, @data)',
    ),
    eventsOf: get<Row>('SELECT * FROM payment_events WHERE payment_id = ? ORDER BY seq'),
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
    ping: get<{ ok: number }>('SELECT 1 AS ok'),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
