import type { AuditEntry, NewEvent } from '@clickpesa-kit/core/store';
import { postgresJson } from './postgres-text.js';
import type { SqlParams } from './sql-params.js';

// Events and audit entries travel as one jsonb array parameter each, so a transition or a creation is a
// single statement whatever their number.

export function eventsJson(events: readonly NewEvent[]): string {
  return postgresJson(events.map(({ id, type, occurredAt, data }) => ({ id, type, occurredAt, data })));
}

export function auditJson(entries: readonly AuditEntry[]): string {
  return postgresJson(entries.map(({ paymentId, at, kind, data }) => ({ paymentId, at, kind, data })));
}

/** INSERT of events numbered `firstSeq + 0, 1, 2...` for `paymentId` (SQL expressions), from the rows of `from`. */
export function insertEventsSql(
  schema: string,
  params: SqlParams,
  events: readonly NewEvent[],
  from: { source: string; paymentId: string; firstSeq: string },
): string {
  return `INSERT INTO ${schema}.payment_events (payment_id, seq, id, type, occurred_at, data)
    SELECT ${from.paymentId}, ${from.firstSeq} + e.ord - 1, e.v->>'id', e.v->>'type', (e.v->>'occurredAt')::timestamptz, e.v->'data'
    FROM ${from.source} jsonb_array_elements(${params.add(eventsJson(events), 'jsonb')}) WITH ORDINALITY AS e(v, ord)`;
}

/** INSERT of audit entries in their given order (the bigserial id keeps it), from the rows of `source`. */
export function insertAuditSql(
  schema: string,
  params: SqlParams,
  entries: readonly AuditEntry[],
  source = '',
): string {
  return `INSERT INTO ${schema}.audit_log (payment_id, at, kind, data)
    SELECT a.v->>'paymentId', (a.v->>'at')::timestamptz, a.v->>'kind', a.v->'data'
    FROM ${source} jsonb_array_elements(${params.add(auditJson(entries), 'jsonb')}) WITH ORDINALITY AS a(v, ord)
    ORDER BY a.ord`;
}
