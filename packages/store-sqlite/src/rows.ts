import {
  type ColumnCodec,
  type ColumnTypes,
  createRecordMappers,
  PAYMENT_FIELDS,
} from '@clickpesa-kit/core/store';

/** SQLite's types per field kind: dates are integer milliseconds since the epoch, JSON is TEXT, amounts TEXT. */
export const SQLITE_TYPES: ColumnTypes = {
  text: 'TEXT',
  integer: 'INTEGER',
  boolean: 'INTEGER',
  timestamp: 'INTEGER',
  json: 'TEXT',
  'text-list': 'TEXT',
};

/** How better-sqlite3 values map to record values: booleans as 0/1, dates as epoch ms, JSON and lists as text. */
export const SQLITE_CODEC: ColumnCodec = {
  encode: {
    boolean: (value: boolean) => (value ? 1 : 0),
    timestamp: (value: Date) => value.getTime(),
    json: (value: unknown) => JSON.stringify(value),
    'text-list': (value: string[]) => JSON.stringify(value),
  },
  decode: {
    boolean: (value: number) => value === 1,
    timestamp: (value: number) => new Date(value),
    json: (value: string) => JSON.parse(value) as unknown,
    'text-list': (value: string) => JSON.parse(value) as unknown,
  },
};

export type Row = Record<string, unknown>;

/** A `payments` row: the table's columns plus the store's own (event counter, lease). */
export type PaymentRow = Row & {
  id: string;
  version: number;
  next_poll_at: number | null;
  last_event_seq: number;
  lease_token: number;
  lease_until: number | null;
};

export type IdempotencyRow = Row & { expires_at: number };

/** The columns a payment record maps to (everything but the event counter and the lease). */
export const PAYMENT_COLUMNS: readonly string[] = PAYMENT_FIELDS.map((field) => field.column);

export const {
  payments: paymentRows,
  idempotency: idempotencyRows,
  receipts: receiptRows,
  audit: auditRows,
  events: eventRows,
  deliveries: deliveryRows,
} = createRecordMappers(SQLITE_CODEC);

/** An `event_deliveries` row as SQLite returns it. */
export type DeliveryRow = Row & { payment_id: string; seq: number; lease_token: number };
