import {
  type CreatePaymentInput,
  PAYMENT_FIELDS,
  PAYMENT_SNAPSHOT,
  type PaymentField,
  type TransitionInput,
  writablePaymentChanges,
} from '@clickpesa-kit/core/store';
import {
  EVENT_POSITIONS,
  hasDeliveries,
  insertAuditSql,
  insertDeliveriesSql,
  insertEventsSql,
  positionFenceSql,
} from './outbox-sql.js';
import { postgresJson } from './postgres-text.js';
import { POSTGRES_TYPES, paymentRows } from './rows.js';
import { SqlParams } from './sql-params.js';

const FIELD_BY_NAME: ReadonlyMap<string, PaymentField> = new Map(
  PAYMENT_FIELDS.map((field) => [field.name, field]),
);

export interface Statement {
  text: string;
  values: unknown[];
}

/**
 * One statement writing the payment row, all its order references, its events (seq 1..n) and its audit
 * entries: they commit or fail together, and a duplicate order reference fails the whole statement.
 */
export function insertPaymentStatement(
  schema: string,
  input: CreatePaymentInput,
  orderReferences: string[],
  positionLock: string,
): Statement {
  const params = new SqlParams();
  const record = { ...input.payment, orderReferences };
  const events = input.events ?? [];
  const values = paymentRows
    .toValues(record)
    .map((value, index) => params.add(value, POSTGRES_TYPES[PAYMENT_FIELDS[index]!.kind]));
  const columns = PAYMENT_FIELDS.map(({ column }) => column);
  const id = params.add(record.id, 'text');
  const parts = [
    `payment AS (INSERT INTO ${schema}.payments (${columns.join(', ')}, last_event_seq)
      VALUES (${values.join(', ')}, ${params.add(events.length, 'integer')}) RETURNING id)`,
    `refs AS (INSERT INTO ${schema}.payment_references (order_reference, payment_id)
      SELECT r, ${id} FROM unnest(${params.add(orderReferences, 'text[]')}) AS r)`,
  ];
  if (events.length > 0) {
    const snapshot = params.add(postgresJson(PAYMENT_SNAPSHOT.toRow(record)), 'jsonb');
    parts.push(positionFenceSql(params, positionLock));
    parts.push(
      `events AS (${insertEventsSql(schema, params, events, { source: '', paymentId: id, firstSeq: '1', snapshot })})`,
    );
    if (hasDeliveries(events)) parts.push(`deliveries AS (${insertDeliveriesSql(schema, params, events)})`);
  }
  if (input.audit?.length) parts.push(`audit AS (${insertAuditSql(schema, params, input.audit)})`);
  const positions = events.length > 0 ? `, ${EVENT_POSITIONS}` : '';
  return { text: `WITH ${parts.join(',\n')}\nSELECT id${positions} FROM payment`, values: params.values };
}

/**
 * The compare-and-set transition as ONE statement: the UPDATE applies only when version (and lease token)
 * still match; the new order reference, events and audit rows are inserted from its RETURNING row, so they
 * exist exactly when it applied. Zero rows back means it did not apply.
 */
export function transitionStatement(schema: string, input: TransitionInput, positionLock: string): Statement {
  const params = new SqlParams();
  const events = input.events ?? [];
  const sets: string[] = [];
  for (const [name, value] of writablePaymentChanges(input.changes)) {
    // The order reference is written below, with its history.
    const field = FIELD_BY_NAME.get(name);
    if (name === 'orderReference' || field === undefined) continue;
    sets.push(
      `${field.column} = ${params.add(paymentRows.encodeField(field, value), POSTGRES_TYPES[field.kind])}`,
    );
  }
  const reference = input.changes.orderReference;
  const referenceParam = reference === undefined ? undefined : params.add(reference, 'text');
  if (referenceParam !== undefined) {
    sets.push(`order_reference = ${referenceParam}`);
    sets.push(
      `order_references = CASE WHEN order_reference = ${referenceParam} THEN order_references ELSE array_append(order_references, ${referenceParam}) END`,
    );
  }
  sets.push('version = version + 1');
  sets.push(`last_event_seq = last_event_seq + ${params.add(events.length, 'integer')}`);
  if (input.leaseToken !== undefined && input.releaseLease)
    sets.push('lease_owner = NULL', 'lease_until = NULL');
  const conditions = [
    `id = ${params.add(input.paymentId, 'text')}`,
    `version = ${params.add(input.expectedVersion, 'integer')}`,
  ];
  if (input.leaseToken !== undefined)
    conditions.push(`lease_token = ${params.add(input.leaseToken, 'integer')}`);

  const parts = [
    `updated AS (UPDATE ${schema}.payments SET ${sets.join(', ')} WHERE ${conditions.join(' AND ')} RETURNING *)`,
  ];
  if (referenceParam !== undefined) {
    // The sub-select sees the row as it was before this statement: a reference other than the current one is
    // inserted, and one used before (by any payment, this one included) violates the key (STORE_CONFLICT).
    parts.push(`refs AS (INSERT INTO ${schema}.payment_references (order_reference, payment_id)
      SELECT ${referenceParam}, u.id FROM updated u
      WHERE NOT EXISTS (SELECT 1 FROM ${schema}.payments p WHERE p.id = u.id AND p.order_reference = ${referenceParam}))`);
  }
  if (events.length > 0) {
    const firstSeq = `u.last_event_seq - ${events.length} + 1`;
    parts.push(positionFenceSql(params, positionLock));
    parts.push(
      `events AS (${insertEventsSql(schema, params, events, { source: 'updated u,', paymentId: 'u.id', firstSeq, snapshot: SNAPSHOT_OF_UPDATED })})`,
    );
    if (hasDeliveries(events)) parts.push(`deliveries AS (${insertDeliveriesSql(schema, params, events)})`);
  }
  if (input.audit?.length)
    parts.push(`audit AS (${insertAuditSql(schema, params, input.audit, 'updated u,')})`);
  const positions = events.length > 0 ? `, ${EVENT_POSITIONS}` : '';
  return { text: `WITH ${parts.join(',\n')}\nSELECT u.*${positions} FROM updated u`, values: params.values };
}

/**
 * The updated row as the payment snapshot: its columns as JSON, less the store's own (timestamps become
 * ISO 8601 text with an offset, which the snapshot mapper reads back as Dates).
 */
const SNAPSHOT_OF_UPDATED = "to_jsonb(u) - 'last_event_seq' - 'lease_owner' - 'lease_token' - 'lease_until'";
