import { type ColumnCodec, type ColumnTypes, createRecordMappers } from '@clickpesa-kit/core/store';
import { postgresJson } from './postgres-text.js';

/** PostgreSQL's types per field kind: timestamptz for dates, jsonb for JSON, text for amounts (never float). */
export const POSTGRES_TYPES: ColumnTypes = {
  text: 'text',
  integer: 'integer',
  boolean: 'boolean',
  timestamp: 'timestamptz',
  json: 'jsonb',
  'text-list': 'text[]',
};

/**
 * pg parses timestamptz, jsonb, boolean and text[] itself, so reading needs nothing. jsonb parameters are
 * sent as JSON text (pg would turn a JS array into a PostgreSQL array otherwise).
 */
export const POSTGRES_CODEC: ColumnCodec = {
  encode: { json: (value: unknown) => postgresJson(value) },
  // bigint columns (event positions) arrive as text: pg keeps int8 exact; positions stay far below 2^53.
  decode: { integer: (value: number | string) => Number(value) },
};

export type Row = Record<string, unknown>;

/** A `payments` row as pg returns it: the table's columns plus the store's own (event counter, lease). */
export type PaymentRow = Row & { last_event_seq: number; lease_token: number; lease_until: Date | null };

export const {
  payments: paymentRows,
  idempotency: idempotencyRows,
  receipts: receiptRows,
  audit: auditRows,
  events: eventRows,
  deliveries: deliveryRows,
} = createRecordMappers(POSTGRES_CODEC);
