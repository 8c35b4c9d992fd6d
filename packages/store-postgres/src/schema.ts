import {
  columnDefinitions,
  PAYMENT_FIELDS,
  PAYMENT_KEY_COLUMN,
  type PaymentField,
} from '@clickpesa-kit/core/store';
import { POSTGRES_TYPES } from './rows.js';

/**
 * Versioned schema. `migrate()` applies the missing migrations in one transaction, under an advisory lock,
 * with `search_path` set to the store's schema (so the SQL below is unqualified).
 * Append new migrations; never edit one that has shipped.
 *
 * A new schema does not replay them: it is created from the baseline, `postgresBaseline()`, whose payments
 * table is generated from the payment field table, and is stamped with every migration's version. So a
 * payment field is added in the field table, plus one migration adding its column to existing schemas
 * (`ALTER TABLE payments ADD COLUMN ${columnDefinition(field, POSTGRES_TYPES)}`); a test checks that an old
 * schema migrated and a new one end the same.
 *
 * Storage choices: timestamptz for dates, jsonb for JSON, text for amounts (never float).
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The payments table as version 1 shipped it (what existing schemas were created with). */
const PAYMENTS_V1 = `
CREATE TABLE payments (
  id text PRIMARY KEY,
  owner_id text NOT NULL,
  order_reference text NOT NULL,
  order_references text[] NOT NULL,
  transaction_id text,
  status text NOT NULL,
  amount text NOT NULL,
  currency text NOT NULL,
  msisdn text NOT NULL,
  provider text NOT NULL,
  customer_name text,
  metadata jsonb,
  external_order_id text,
  error_message text,
  failure_reason text,
  needs_attention boolean NOT NULL,
  attempts integer NOT NULL,
  attempt_started_at timestamptz NOT NULL,
  initiate_outcome text NOT NULL,
  provider_status jsonb,
  callback_url text,
  version integer NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  completed_at timestamptz,
  settled_at timestamptz,
  last_checked_at timestamptz,
  next_poll_at timestamptz,
  poll_count integer NOT NULL,
  stuck_notified_at timestamptz,
  last_event_seq integer NOT NULL DEFAULT 0,
  lease_owner text,
  lease_token integer NOT NULL DEFAULT 0,
  lease_until timestamptz
);
`;

/** The store's own columns of the payments table: the event counter and the lease. */
const PAYMENT_BOOKKEEPING_COLUMNS = [
  'last_event_seq integer NOT NULL DEFAULT 0',
  'lease_owner text',
  'lease_token integer NOT NULL DEFAULT 0',
  'lease_until timestamptz',
];

/** Everything of version 1 beside the payments table: its indexes and the other tables. */
const TABLES_V1 = `-- The poller's due query walks this index in order (ORDER BY next_poll_at, id LIMIT n ... SKIP LOCKED).
CREATE INDEX payments_due ON payments (next_poll_at, id) WHERE next_poll_at IS NOT NULL;
CREATE INDEX payments_transaction_id ON payments (transaction_id) WHERE transaction_id IS NOT NULL;
CREATE INDEX payments_active_msisdn ON payments (msisdn) WHERE status IN ('pending', 'processing');

-- Every order reference any attempt of any payment has used: unique across all of them.
CREATE TABLE payment_references (
  order_reference text PRIMARY KEY,
  payment_id text NOT NULL REFERENCES payments (id)
);
CREATE INDEX payment_references_payment ON payment_references (payment_id);

-- The outbox: one row per event, seq 1, 2, 3... per payment.
CREATE TABLE payment_events (
  payment_id text NOT NULL REFERENCES payments (id),
  seq integer NOT NULL,
  id text NOT NULL,
  type text NOT NULL,
  occurred_at timestamptz NOT NULL,
  data jsonb NOT NULL,
  PRIMARY KEY (payment_id, seq)
);

CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  payment_id text,
  at timestamptz NOT NULL,
  kind text NOT NULL,
  data jsonb NOT NULL
);
CREATE INDEX audit_log_payment ON audit_log (payment_id, id);

CREATE TABLE idempotency_keys (
  owner_id text NOT NULL,
  key text NOT NULL,
  fingerprint text NOT NULL,
  scope text NOT NULL,
  payment_id text NOT NULL,
  state text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (owner_id, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

CREATE TABLE webhook_receipts (
  seq bigserial PRIMARY KEY,
  dedupe_key text NOT NULL UNIQUE,
  order_reference text,
  payment_id text,
  event_type text,
  provider_status text,
  orphan boolean NOT NULL,
  verified boolean NOT NULL,
  received_at timestamptz NOT NULL,
  payload jsonb NOT NULL
);
CREATE INDEX webhook_receipts_reference ON webhook_receipts (order_reference);

-- Token buckets of the provider budget shared by every instance.
CREATE TABLE provider_budget (
  name text PRIMARY KEY,
  tokens double precision NOT NULL,
  updated_at timestamptz NOT NULL,
  granted boolean NOT NULL
);
`;

/**
 * Version 2, beside the payments table: the event outbox. Events gain their global position (a sequence)
 * and the payment snapshot; one delivery row per event and consumer. A new schema runs this too (after
 * TABLES_V1), so new and migrated schemas cannot drift apart.
 */
const OUTBOX_V2 = `
ALTER TABLE payment_events ADD COLUMN position bigint;
ALTER TABLE payment_events ADD COLUMN payment jsonb;
-- Existing events are numbered in the order they occurred.
UPDATE payment_events e SET position = numbered.n
FROM (SELECT payment_id, seq, row_number() OVER (ORDER BY occurred_at, payment_id, seq) AS n FROM payment_events) AS numbered
WHERE numbered.payment_id = e.payment_id AND numbered.seq = e.seq;
CREATE SEQUENCE payment_events_position_seq OWNED BY payment_events.position;
-- Marked as handed out up to the last backfilled position (readers trust last_value only once it is called).
SELECT setval('payment_events_position_seq', GREATEST(COALESCE(max(position), 0), 1), COALESCE(max(position), 0) > 0)
FROM payment_events;
ALTER TABLE payment_events
  ALTER COLUMN position SET DEFAULT nextval('payment_events_position_seq'),
  ALTER COLUMN position SET NOT NULL;
CREATE UNIQUE INDEX payment_events_position ON payment_events (position);

-- The outbox: one row per event and consumer.
CREATE TABLE event_deliveries (
  event_id text NOT NULL,
  consumer text NOT NULL,
  payment_id text NOT NULL,
  seq integer NOT NULL,
  position bigint NOT NULL,
  state text NOT NULL,
  attempts integer NOT NULL,
  next_attempt_at timestamptz,
  last_error text,
  lease_owner text,
  lease_token integer NOT NULL,
  lease_until timestamptz,
  delivered_at timestamptz,
  PRIMARY KEY (event_id, consumer)
);
-- The claim: pending rows of a consumer by position, and the per-payment head check (lowest pending seq).
CREATE INDEX event_deliveries_pending ON event_deliveries (consumer, position) WHERE state = 'pending';
CREATE INDEX event_deliveries_heads ON event_deliveries (consumer, payment_id, seq) WHERE state = 'pending';
CREATE INDEX event_deliveries_dead ON event_deliveries (position) WHERE state = 'dead';
`;

/** Version 2's new payment fields, for schemas created before them (defaults: false and null). */
const PAYMENTS_V2 = `
ALTER TABLE payments ADD COLUMN amount_mismatch boolean NOT NULL DEFAULT false;
ALTER TABLE payments ADD COLUMN collected_amount text;
ALTER TABLE payments ADD COLUMN collected_currency text;
`;

/**
 * Version 3: orders. Listing an owner's payments (of one order, or all) newest first walks an index; at most
 * one pending/processing/success payment per (owner, external order id) is a partial unique index (ORD-2)
 * that leaves out a success flagged for a person (a late success of an order paid twice, ORD-4);
 * the phone-number busy check also finds cancelled payments whose prompt may still be live (SM-14).
 * A schema holding two active payments of one order already fails this migration (the unique index).
 */
const ORDERS_V3 = `
CREATE INDEX payments_owner_order ON payments (owner_id, external_order_id, created_at);
CREATE INDEX payments_owner_created ON payments (owner_id, created_at);
CREATE UNIQUE INDEX payments_active_order ON payments (owner_id, external_order_id)
  WHERE external_order_id IS NOT NULL AND status IN ('pending', 'processing', 'success')
    AND NOT (status = 'success' AND needs_attention);
DROP INDEX payments_active_msisdn;
CREATE INDEX payments_msisdn_hold ON payments (msisdn) WHERE status IN ('pending', 'processing', 'cancelled');
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', sql: PAYMENTS_V1 + TABLES_V1 },
  { version: 2, name: 'event outbox', sql: PAYMENTS_V2 + OUTBOX_V2 },
  { version: 3, name: 'orders', sql: ORDERS_V3 },
];

/**
 * Defaults of payment columns added to existing schemas by a migration (an added NOT NULL column needs
 * one); a new schema declares them too, so both read the same.
 */
const ADDED_COLUMN_DEFAULTS: Readonly<Record<string, string>> = { amount_mismatch: 'false' };

/** The whole schema for a field table: what applying every migration to an empty schema gives. */
export function postgresBaseline(fields: readonly PaymentField[] = PAYMENT_FIELDS): string {
  const columns = [
    ...columnDefinitions(fields, POSTGRES_TYPES, PAYMENT_KEY_COLUMN).map((definition, index) => {
      const fallback = ADDED_COLUMN_DEFAULTS[fields[index]!.column];
      return fallback === undefined ? definition : `${definition} DEFAULT ${fallback}`;
    }),
    ...PAYMENT_BOOKKEEPING_COLUMNS,
  ];
  return `\nCREATE TABLE payments (\n  ${columns.join(',\n  ')}\n);\n${TABLES_V1}${OUTBOX_V2}${ORDERS_V3}`;
}
