import {
  columnDefinitions,
  PAYMENT_FIELDS,
  PAYMENT_KEY_COLUMN,
  type PaymentField,
} from '@clickpesa-kit/core/store';
import { SQLITE_TYPES } from './rows.js';

/**
 * Versioned schema. Each migration runs once, in order, inside the same BEGIN IMMEDIATE as the bump of
 * `schema_migrations`, so two processes opening the same file never both apply it.
 * Append new migrations; never edit one that has shipped.
 *
 * A new file does not replay them: it is created from the baseline, `SQLITE_BASELINE`, whose payments table
 * is generated from the payment field table, and is stamped with every migration's version. So a payment
 * field is added in the field table, plus one migration adding its column to existing files
 * (`ALTER TABLE payments ADD COLUMN ${columnDefinition(field, SQLITE_TYPES)}`); a test checks that an old file
 * migrated and a new file end with the same schema.
 *
 * Storage choices: dates are integer milliseconds since the epoch, JSON is TEXT, amounts are TEXT (never REAL).
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The payments table as version 1 shipped it (what existing files were created with). */
const PAYMENTS_V1 = `
CREATE TABLE payments (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL,
  order_reference TEXT NOT NULL,
  order_references TEXT NOT NULL,
  transaction_id TEXT,
  status TEXT NOT NULL,
  amount TEXT NOT NULL,
  currency TEXT NOT NULL,
  msisdn TEXT NOT NULL,
  provider TEXT NOT NULL,
  customer_name TEXT,
  metadata TEXT,
  external_order_id TEXT,
  error_message TEXT,
  failure_reason TEXT,
  needs_attention INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  attempt_started_at INTEGER NOT NULL,
  initiate_outcome TEXT NOT NULL,
  provider_status TEXT,
  callback_url TEXT,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  completed_at INTEGER,
  settled_at INTEGER,
  last_checked_at INTEGER,
  next_poll_at INTEGER,
  poll_count INTEGER NOT NULL,
  stuck_notified_at INTEGER,
  last_event_seq INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_token INTEGER NOT NULL DEFAULT 0,
  lease_until INTEGER
);
`;

/** The store's own columns of the payments table: the event counter and the lease. */
const PAYMENT_BOOKKEEPING_COLUMNS = [
  'last_event_seq INTEGER NOT NULL DEFAULT 0',
  'lease_owner TEXT',
  'lease_token INTEGER NOT NULL DEFAULT 0',
  'lease_until INTEGER',
];

/** Everything of version 1 beside the payments table: its indexes and the other tables. */
const TABLES_V1 = `-- The poller's due query walks this index in order (ORDER BY next_poll_at, id LIMIT n).
CREATE INDEX payments_due ON payments (next_poll_at, id) WHERE next_poll_at IS NOT NULL;
CREATE INDEX payments_transaction_id ON payments (transaction_id) WHERE transaction_id IS NOT NULL;
CREATE INDEX payments_active_msisdn ON payments (msisdn) WHERE status IN ('pending', 'processing');

-- Every order reference any attempt of any payment has used: unique across all of them.
CREATE TABLE payment_references (
  order_reference TEXT PRIMARY KEY,
  payment_id TEXT NOT NULL REFERENCES payments (id)
) WITHOUT ROWID;
CREATE INDEX payment_references_payment ON payment_references (payment_id);

-- The outbox: one row per event, seq 1, 2, 3... per payment.
CREATE TABLE payment_events (
  payment_id TEXT NOT NULL REFERENCES payments (id),
  seq INTEGER NOT NULL,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  occurred_at INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (payment_id, seq)
) WITHOUT ROWID;

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  payment_id TEXT,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX audit_log_payment ON audit_log (payment_id, id);

CREATE TABLE idempotency_keys (
  owner_id TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  scope TEXT NOT NULL,
  payment_id TEXT NOT NULL,
  state TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (owner_id, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

CREATE TABLE webhook_receipts (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  dedupe_key TEXT NOT NULL UNIQUE,
  order_reference TEXT,
  payment_id TEXT,
  event_type TEXT,
  provider_status TEXT,
  orphan INTEGER NOT NULL,
  verified INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  payload TEXT NOT NULL
);
CREATE INDEX webhook_receipts_reference ON webhook_receipts (order_reference);

-- Token buckets of the shared provider budget.
CREATE TABLE provider_budget (
  name TEXT PRIMARY KEY,
  tokens REAL NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
`;

/**
 * Version 2, beside the payments table: the event outbox. Events gain their global position and the payment
 * snapshot; one delivery row per event and consumer. A new file runs this too (after TABLES_V1), so new and
 * migrated files cannot drift apart.
 */
const OUTBOX_V2 = `
-- Events move to a rowid table whose rowid is the position: AUTOINCREMENT hands out ascending numbers that
-- are never reused (not even a pruned event's), and SQLite has one writer at a time, so they ascend in
-- commit order. A rowid table also keeps the rows, now carrying the payment snapshot, cheap to write.
-- Existing events (WITHOUT ROWID: no insertion order kept) are numbered in the order they occurred.
CREATE TABLE payment_events_v2 (
  position INTEGER PRIMARY KEY AUTOINCREMENT,
  payment_id TEXT NOT NULL REFERENCES payments (id),
  seq INTEGER NOT NULL,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  occurred_at INTEGER NOT NULL,
  data TEXT NOT NULL,
  payment TEXT
);
INSERT INTO payment_events_v2 (payment_id, seq, id, type, occurred_at, data)
SELECT payment_id, seq, id, type, occurred_at, data FROM payment_events ORDER BY occurred_at, payment_id, seq;
DROP TABLE payment_events;
ALTER TABLE payment_events_v2 RENAME TO payment_events;
CREATE UNIQUE INDEX payment_events_payment_seq ON payment_events (payment_id, seq);

-- The outbox: one row per event and consumer.
CREATE TABLE event_deliveries (
  event_id TEXT NOT NULL,
  consumer TEXT NOT NULL,
  payment_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  position INTEGER NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER,
  last_error TEXT,
  lease_owner TEXT,
  lease_token INTEGER NOT NULL,
  lease_until INTEGER,
  delivered_at INTEGER,
  PRIMARY KEY (event_id, consumer)
) WITHOUT ROWID;
-- The claim: pending rows of a consumer by position, and the per-payment head check (lowest pending seq).
CREATE INDEX event_deliveries_pending ON event_deliveries (consumer, position) WHERE state = 'pending';
CREATE INDEX event_deliveries_heads ON event_deliveries (consumer, payment_id, seq) WHERE state = 'pending';
CREATE INDEX event_deliveries_dead ON event_deliveries (position) WHERE state = 'dead';
`;

/** Version 2's new payment fields, for files created before them (defaults: false and null). */
const PAYMENTS_V2 = `
ALTER TABLE payments ADD COLUMN amount_mismatch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE payments ADD COLUMN collected_amount TEXT;
ALTER TABLE payments ADD COLUMN collected_currency TEXT;
`;

/**
 * Version 3: orders. Listing an owner's payments (of one order, or all) newest first walks an index; at most
 * one pending/processing/success payment per (owner, external order id) is a partial unique index (ORD-2)
 * that leaves out a success flagged for a person (a late success of an order paid twice, ORD-4);
 * the phone-number busy check also finds cancelled payments whose prompt may still be live (SM-14).
 * A file holding two active payments of one order already fails this migration (the unique index).
 */
const ORDERS_V3 = `
CREATE INDEX payments_owner_order ON payments (owner_id, external_order_id, created_at);
CREATE INDEX payments_owner_created ON payments (owner_id, created_at);
CREATE UNIQUE INDEX payments_active_order ON payments (owner_id, external_order_id)
  WHERE external_order_id IS NOT NULL AND status IN ('pending', 'processing', 'success')
    AND NOT (status = 'success' AND needs_attention = 1);
DROP INDEX payments_active_msisdn;
CREATE INDEX payments_msisdn_hold ON payments (msisdn) WHERE status IN ('pending', 'processing', 'cancelled');
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', sql: PAYMENTS_V1 + TABLES_V1 },
  { version: 2, name: 'event outbox', sql: PAYMENTS_V2 + OUTBOX_V2 },
  { version: 3, name: 'orders', sql: ORDERS_V3 },
];

/**
 * Defaults of payment columns added to existing files by a migration (an added NOT NULL column needs one);
 * a new file declares them too, so both schemas read the same.
 */
const ADDED_COLUMN_DEFAULTS: Readonly<Record<string, string>> = { amount_mismatch: '0' };

/** The payments table generated from a field table. */
function paymentsTableSql(fields: readonly PaymentField[]): string {
  const columns = [
    ...columnDefinitions(fields, SQLITE_TYPES, PAYMENT_KEY_COLUMN).map((definition, index) => {
      const fallback = ADDED_COLUMN_DEFAULTS[fields[index]!.column];
      return fallback === undefined ? definition : `${definition} DEFAULT ${fallback}`;
    }),
    ...PAYMENT_BOOKKEEPING_COLUMNS,
  ];
  return `\nCREATE TABLE payments (\n  ${columns.join(',\n  ')}\n);\n`;
}

/** The whole schema for a field table: what applying every migration to an empty file gives. */
export function sqliteBaseline(fields: readonly PaymentField[] = PAYMENT_FIELDS): string {
  return paymentsTableSql(fields) + TABLES_V1 + OUTBOX_V2 + ORDERS_V3;
}

/** The current schema, for a new file. */
export const SQLITE_BASELINE: string = sqliteBaseline();
