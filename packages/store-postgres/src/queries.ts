import { ACTIVE_STATUSES, ORDER_HOLDING_STATUSES } from '@clickpesa-kit/core/store';

const ACTIVE_STATUS_LIST = [...ACTIVE_STATUSES].map((status) => `'${status}'`).join(', ');
const ORDER_HOLDING_LIST = [...ORDER_HOLDING_STATUSES].map((status) => `'${status}'`).join(', ');

/**
 * The fixed statements of the store, for one schema. `now` is the SQL expression for "now": the database
 * clock (`now()`: instances with skewed clocks still agree) or the caller's clock as a parameter.
 */
export function buildQueries(s: string, clock: 'database' | 'caller') {
  // Positional parameter numbers of `now` differ per statement, so each one takes it as an argument.
  const now = (param: number) => (clock === 'database' ? 'now()' : `$${param}::timestamptz`);
  const bucketLevel = (at: string) =>
    `LEAST($2::float8, b.tokens + GREATEST(0, EXTRACT(EPOCH FROM (${at} - b.updated_at)) * 1000) * $2::float8 / $3::float8)`;
  return {
    paymentById: `SELECT * FROM ${s}.payments WHERE id = $1`,
    paymentByIdAndOwner: `SELECT * FROM ${s}.payments WHERE id = $1 AND owner_id = $2`,
    paymentByReference: `SELECT p.* FROM ${s}.payment_references r JOIN ${s}.payments p ON p.id = r.payment_id WHERE r.order_reference = $1`,
    paymentByTransactionId: `SELECT * FROM ${s}.payments WHERE transaction_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1`,
    /** The MSISDN hold (store-rules `holdsMsisdn`); $3 null: no cancelled payment holds it. */
    activePushForMsisdn: `SELECT id FROM ${s}.payments WHERE msisdn = $1 AND id <> $2
      AND (status IN (${ACTIVE_STATUS_LIST}) OR (status = 'cancelled' AND next_poll_at IS NOT NULL AND attempt_started_at >= $3::timestamptz))
      LIMIT 1`,
    orderHolder: `SELECT id FROM ${s}.payments WHERE owner_id = $1 AND external_order_id = $2 AND status IN (${ORDER_HOLDING_LIST}) AND id <> $3 LIMIT 1`,
    orderPaymentCount: `SELECT COUNT(*)::int AS n FROM ${s}.payments WHERE owner_id = $1 AND external_order_id = $2`,
    /** listPayments: null filters match everything; the keyset as a row comparison walks (owner_id, created_at). */
    listPayments: `SELECT * FROM ${s}.payments WHERE owner_id = $1
      AND ($2::text IS NULL OR external_order_id = $2) AND ($3::text IS NULL OR status = $3)
      AND ($4::timestamptz IS NULL OR (created_at, id) < ($4::timestamptz, $5::text))
      ORDER BY created_at DESC, id DESC LIMIT $6`,
    /** listAllPayments: every owner's payments, same filters and keyset as listPayments (operators' tools). */
    listAllPayments: `SELECT * FROM ${s}.payments WHERE ($1::text IS NULL OR status = $1)
      AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::text))
      ORDER BY created_at DESC, id DESC LIMIT $4`,
    lockMsisdn: 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))',
    /** Inserts, or replaces an expired record; no row back means a live record holds the key (now locked). */
    claimIdempotency: `INSERT INTO ${s}.idempotency_keys AS k (owner_id, key, fingerprint, scope, payment_id, state, created_at, expires_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
      ON CONFLICT (owner_id, key) DO UPDATE SET fingerprint = excluded.fingerprint, scope = excluded.scope,
        payment_id = excluded.payment_id, state = excluded.state, created_at = excluded.created_at, expires_at = excluded.expires_at
      WHERE k.expires_at <= excluded.created_at
      RETURNING key`,
    idempotency: `SELECT * FROM ${s}.idempotency_keys WHERE owner_id = $1 AND key = $2`,
    liveIdempotency: `SELECT * FROM ${s}.idempotency_keys WHERE owner_id = $1 AND key = $2 AND expires_at > $3`,
    completeIdempotency: `UPDATE ${s}.idempotency_keys SET state = 'completed' WHERE owner_id = $1 AND key = $2`,
    pruneIdempotency: `DELETE FROM ${s}.idempotency_keys WHERE expires_at < $1`,
    insertReceipt: `INSERT INTO ${s}.webhook_receipts (dedupe_key, order_reference, payment_id, event_type, provider_status, orphan, verified, received_at, payload)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb) ON CONFLICT (dedupe_key) DO NOTHING`,
    allReceipts: `SELECT * FROM ${s}.webhook_receipts ORDER BY seq`,
    receiptsByReference: `SELECT * FROM ${s}.webhook_receipts WHERE order_reference = $1 ORDER BY seq`,
    eventsOf: `SELECT * FROM ${s}.payment_events WHERE payment_id = $1 ORDER BY seq`,
    auditOf: `SELECT payment_id, at, kind, data FROM ${s}.audit_log WHERE payment_id = $1 ORDER BY id`,
    /**
     * Oldest due first, rows another claimer is locking are skipped, each claim bumps the fencing token.
     * `= ANY (ARRAY(...))` makes the update find its rows by primary key (a join may scan a small table whole).
     */
    claimDue: `WITH due AS (
        SELECT id FROM ${s}.payments
        WHERE next_poll_at <= ${now(4)} AND (lease_until IS NULL OR lease_until <= ${now(4)})
        ORDER BY next_poll_at, id LIMIT $2
        FOR UPDATE SKIP LOCKED
      )
      UPDATE ${s}.payments p SET lease_owner = $1, lease_token = p.lease_token + 1,
        lease_until = ${now(4)} + $3::float8 * interval '1 millisecond'
      WHERE p.id = ANY (ARRAY(SELECT id FROM due))
      RETURNING p.*`,
    releaseLease: `UPDATE ${s}.payments SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_token = $2`,
    /**
     * Leases the heads (lowest pending seq of their payment) of `consumer` that are due and free, oldest
     * position first; rows another claimer is locking are skipped, each claim bumps the fencing token.
     */
    claimDeliveries: `WITH heads AS (
        SELECT d.event_id, d.consumer FROM ${s}.event_deliveries d
        WHERE d.consumer = $1 AND d.state = 'pending'
          AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= ${now(5)})
          AND (d.lease_until IS NULL OR d.lease_until <= ${now(5)})
          AND NOT EXISTS (
            SELECT 1 FROM ${s}.event_deliveries e
            WHERE e.consumer = d.consumer AND e.payment_id = d.payment_id AND e.state = 'pending' AND e.seq < d.seq
          )
        ORDER BY d.position LIMIT $2
        FOR UPDATE OF d SKIP LOCKED
      )
      UPDATE ${s}.event_deliveries d SET lease_owner = $3, lease_token = d.lease_token + 1,
        lease_until = ${now(5)} + $4::float8 * interval '1 millisecond'
      FROM heads h WHERE d.event_id = h.event_id AND d.consumer = h.consumer
      RETURNING d.*`,
    /** The events of deliveries, by (payment id, seq) pairs. */
    eventsAt: `SELECT e.* FROM ${s}.payment_events e
      JOIN unnest($1::text[], $2::integer[]) AS k(payment_id, seq) ON k.payment_id = e.payment_id AND k.seq = e.seq`,
    completeDelivery: `UPDATE ${s}.event_deliveries SET state = 'delivered', delivered_at = $4, lease_owner = NULL, lease_until = NULL
      WHERE event_id = $1 AND consumer = $2 AND state = 'pending' AND lease_token = $3`,
    failDelivery: `UPDATE ${s}.event_deliveries SET attempts = attempts + 1, last_error = $4, lease_owner = NULL, lease_until = NULL,
        state = CASE WHEN $5::timestamptz IS NULL THEN 'dead' ELSE 'pending' END, next_attempt_at = $5::timestamptz
      WHERE event_id = $1 AND consumer = $2 AND state = 'pending' AND lease_token = $3`,
    deadDeliveries: `SELECT * FROM ${s}.event_deliveries
      WHERE state = 'dead' AND position > $1 AND ($2::text IS NULL OR consumer = $2)
      ORDER BY position, consumer LIMIT $3`,
    replayDelivery: `UPDATE ${s}.event_deliveries SET state = 'pending', attempts = 0, next_attempt_at = $3
      WHERE event_id = $1 AND consumer = $2 AND state = 'dead'`,
    /** Waits until no writer holds event positions (the exclusive side of the position fence). */
    fencePositions: 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))',
    /** Events after a position, up to the last position handed out (every holder of one has finished). */
    eventsSince: `SELECT * FROM ${s}.payment_events
      WHERE position > $1
        AND position <= (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM ${s}.payment_events_position_seq)
      ORDER BY position LIMIT $2`,
    outboxStats: `SELECT count(*) FILTER (WHERE d.state = 'pending') AS pending,
        count(*) FILTER (WHERE d.state = 'dead') AS dead,
        min(e.occurred_at) FILTER (WHERE d.state = 'pending') AS oldest_pending_at
      FROM ${s}.event_deliveries d JOIN ${s}.payment_events e ON e.payment_id = d.payment_id AND e.seq = d.seq
      WHERE d.state IN ('pending', 'dead')`,
    /** Up to $2 events before $1 whose deliveries are all delivered, with their deliveries. */
    pruneEvents: `WITH doomed AS (
        SELECT payment_id, seq, id FROM ${s}.payment_events e
        WHERE occurred_at < $1 AND NOT EXISTS (
          SELECT 1 FROM ${s}.event_deliveries d WHERE d.event_id = e.id AND d.state <> 'delivered'
        )
        ORDER BY position LIMIT $2
        FOR UPDATE SKIP LOCKED
      ),
      deliveries AS (DELETE FROM ${s}.event_deliveries d USING doomed WHERE d.event_id = doomed.id)
      DELETE FROM ${s}.payment_events e USING doomed WHERE e.payment_id = doomed.payment_id AND e.seq = doomed.seq`,
    pruneReceipts: `DELETE FROM ${s}.webhook_receipts WHERE seq IN (
        SELECT seq FROM ${s}.webhook_receipts WHERE received_at < $1 ORDER BY seq LIMIT $2)`,
    pruneAudit: `DELETE FROM ${s}.audit_log WHERE id IN (
        SELECT id FROM ${s}.audit_log WHERE at < $1 ORDER BY id LIMIT $2)`,
    /**
     * Token bucket in one statement: ON CONFLICT locks the row and evaluates against its latest version,
     * so concurrent takers across instances never spend the same token. `granted` says whether this call got one.
     */
    takeBudget: `INSERT INTO ${s}.provider_budget AS b (name, tokens, updated_at, granted)
      VALUES ($1, GREATEST($2::float8 - 1, 0), ${now(4)}, $2::float8 >= 1)
      ON CONFLICT (name) DO UPDATE SET
        tokens = CASE WHEN ${bucketLevel(now(4))} >= 1 THEN ${bucketLevel(now(4))} - 1 ELSE ${bucketLevel(now(4))} END,
        granted = ${bucketLevel(now(4))} >= 1,
        updated_at = GREATEST(b.updated_at, ${now(4)})
      RETURNING tokens, granted`,
    pruneBuckets: `DELETE FROM ${s}.provider_budget WHERE name IN (
        SELECT name FROM ${s}.provider_budget WHERE updated_at < $1 LIMIT $2)`,
    ping: 'SELECT 1',
  };
}

export type Queries = ReturnType<typeof buildQueries>;
