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

/**
 * A CTE named `position_fence` taking the shared side of the event-position lock for the rest of the
 * transaction. Every event insert reads from it, so the lock is held before the first position is drawn;
 * `listEventsSince` takes the exclusive side to wait out every writer that holds positions (see there).
 */
export function positionFenceSql(params: SqlParams, lockKey: string): string {
  return `position_fence AS (SELECT pg_advisory_xact_lock_shared(hashtextextended(${params.add(lockKey, 'text')}, 0)))`;
}

/**
 * INSERT of events numbered `firstSeq + 0, 1, 2...` for `paymentId` (SQL expressions), from the rows of
 * `from.source`, each with `from.snapshot` (the payment as JSON) and a position from the sequence, drawn in
 * seq order. Needs the `position_fence` CTE; returns what the deliveries are made from.
 */
export function insertEventsSql(
  schema: string,
  params: SqlParams,
  events: readonly NewEvent[],
  from: { source: string; paymentId: string; firstSeq: string; snapshot: string },
): string {
  return `INSERT INTO ${schema}.payment_events (payment_id, seq, id, type, occurred_at, data, payment)
    SELECT ${from.paymentId}, ${from.firstSeq} + e.ord - 1, e.v->>'id', e.v->>'type', (e.v->>'occurredAt')::timestamptz, e.v->'data', ${from.snapshot}
    FROM position_fence, ${from.source} jsonb_array_elements(${params.add(eventsJson(events), 'jsonb')}) WITH ORDINALITY AS e(v, ord)
    ORDER BY e.ord
    RETURNING id, payment_id, seq, position, occurred_at`;
}

/** INSERT of one pending delivery per event (of the `events` CTE) and consumer in its `deliverTo`, due at once. */
export function insertDeliveriesSql(schema: string, params: SqlParams, events: readonly NewEvent[]): string {
  const pairs = events.flatMap((event) =>
    [...new Set(event.deliverTo ?? [])].map((consumer) => ({ event_id: event.id, consumer })),
  );
  return `INSERT INTO ${schema}.event_deliveries (event_id, consumer, payment_id, seq, position, state, attempts, next_attempt_at, lease_token)
    SELECT ev.id, c.consumer, ev.payment_id, ev.seq, ev.position, 'pending', 0, ev.occurred_at, 0
    FROM events ev JOIN jsonb_to_recordset(${params.add(postgresJson(pairs), 'jsonb')}) AS c(event_id text, consumer text)
      ON c.event_id = ev.id`;
}

/** Whether any event of the step is delivered to someone (else the deliveries CTE is left out). */
export function hasDeliveries(events: readonly NewEvent[]): boolean {
  return events.some((event) => (event.deliverTo?.length ?? 0) > 0);
}

/** The select-list item giving the step's event positions in seq order (a JSON array) from the `events` CTE. */
export const EVENT_POSITIONS =
  "(SELECT coalesce(json_agg(position ORDER BY seq), '[]'::json) FROM events) AS event_positions";

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
