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

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', sql: PAYMENTS_V1 + TABLES_V1 },
];

/** The whole schema for a field table: what applying every migration to an empty schema gives. */
export function postgresBaseline(fields: readonly PaymentField[] = PAYMENT_FIELDS): string {
  const columns = [
    ...columnDefinitions(fields, POSTGRES_TYPES, PAYMENT_KEY_COLUMN),
    ...PAYMENT_BOOKKEEPING_COLUMNS,
  ];
  return `\nCREATE TABLE payments (\n  ${columns.join(',\n  ')}\n);\n${TABLES_V1}`;
}
