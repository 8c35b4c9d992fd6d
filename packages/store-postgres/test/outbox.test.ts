import { PAYMENT_SNAPSHOT } from '@clickpesa-kit/core/store';
import { makeEvent, makePayment } from '@clickpesa-kit/store-tests';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateWith } from '../src/migrate.js';
import { createPostgresStore, type PostgresStore } from '../src/postgres-store.js';
import { MIGRATIONS } from '../src/schema.js';
import { dropSchema, findTestDatabase, uniqueSchema } from './test-database.js';

const database = await findTestDatabase();
const suite = database.url === undefined ? describe.skip : describe;

/** Waits (generously) until `check` holds. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

suite('PostgreSQL event outbox', () => {
  let pool: pg.Pool;
  const schemas: string[] = [];
  const stores: PostgresStore[] = [];
  const open = (schema: string) => {
    const store = createPostgresStore({ connectionString: database.url, schema, clock: 'caller' });
    stores.push(store);
    return store;
  };

  beforeAll(() => {
    pool = new pg.Pool({ connectionString: database.url, max: 4 });
    pool.on('error', () => {});
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    for (const schema of schemas) await dropSchema(database.url!, schema);
    await pool.end();
  });

  describe('listEventsSince never skips an event whose writer commits later with a lower position', () => {
    /**
     * Writer A draws a position as every writer does (the shared fence first, then the sequence) and stays
     * open; writer B, a store transition, draws a higher one and commits first. A plain "position > n" read
     * now sees only B's: a reader keeping the last position it saw would skip A's forever.
     */
    async function outOfOrder() {
      const schema = uniqueSchema();
      schemas.push(schema);
      const store = open(schema);
      await store.migrate();
      const a = makePayment();
      const b = makePayment();
      await store.createPayment({ payment: a });
      await store.createPayment({ payment: b });

      const writerA = await pool.connect();
      await writerA.query('BEGIN');
      await writerA.query('SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))', [
        `clickpesa-kit:${schema}:event-positions`,
      ]);
      const { rows } = await writerA.query<{ position: string }>(
        `INSERT INTO "${schema}".payment_events (payment_id, seq, id, type, occurred_at, data)
         VALUES ($1, 1, 'event-a', 'payment.status_changed', now(), '{}') RETURNING position`,
        [a.id],
      );
      const positionA = Number(rows[0]!.position);

      const moved = await store.transition({
        paymentId: b.id,
        expectedVersion: 1,
        changes: { status: 'processing' },
        events: [makeEvent('payment.processing', { id: 'event-b' })],
      });
      if (!moved.applied) throw new Error('not applied');
      const positionB = moved.events[0]!.position;
      expect(positionB).toBeGreaterThan(positionA);
      const plain = await pool.query(
        `SELECT id FROM "${schema}".payment_events WHERE position > 0 ORDER BY position`,
      );
      expect(plain.rows.map((row) => row.id)).toEqual(['event-b']);
      return { store, writerA, positionA, positionB };
    }

    /** Whether a session waits for the position fence (the reader). */
    const readerWaiting = async () =>
      (await pool.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).rowCount! > 0;

    it('holds the read until the lower position commits, then returns both in order', async () => {
      const { store, writerA, positionA, positionB } = await outOfOrder();
      let settled = false;
      const read = store.listEventsSince({ after: null, limit: 10 }).finally(() => {
        settled = true;
      });
      await until(readerWaiting, 'the reader to wait for writer A');
      expect(settled).toBe(false);

      await writerA.query('COMMIT');
      writerA.release();
      const events = await read;
      expect(events.map((event) => [event.id, event.position])).toEqual([
        ['event-a', positionA],
        ['event-b', positionB],
      ]);
    });

    it('a writer that rolls back leaves a gap, and the reader goes on past it', async () => {
      const { store, writerA, positionB } = await outOfOrder();
      const read = store.listEventsSince({ after: null, limit: 10 });
      await until(readerWaiting, 'the reader to wait for writer A');
      await writerA.query('ROLLBACK');
      writerA.release();
      expect((await read).map((event) => [event.id, event.position])).toEqual([['event-b', positionB]]);
    });
  });

  it('an old schema keeps its rows: events numbered in the order they occurred, new fields false and null', async () => {
    const schema = uniqueSchema();
    schemas.push(schema);
    await migrateWith(pool, schema, MIGRATIONS.slice(0, 1));
    const base = Date.UTC(2026, 0, 5, 10);
    const a = makePayment();
    const b = makePayment();
    const ADDED_IN_V2 = ['amount_mismatch', 'collected_amount', 'collected_currency'];
    for (const payment of [a, b]) {
      const row: Record<string, unknown> = {
        ...PAYMENT_SNAPSHOT.toRow(payment),
        last_event_seq: 2,
        lease_token: 0,
      };
      for (const column of ADDED_IN_V2) delete row[column];
      await pool.query(
        `INSERT INTO "${schema}".payments SELECT * FROM jsonb_populate_record(NULL::"${schema}".payments, $1::jsonb)`,
        [JSON.stringify(row)],
      );
    }
    // inserted out of order on purpose: positions follow occurred_at
    for (const [payment, seq, offset] of [
      [b, 2, 40],
      [a, 1, 10],
      [b, 1, 20],
      [a, 2, 30],
    ] as const) {
      await pool.query(
        `INSERT INTO "${schema}".payment_events (payment_id, seq, id, type, occurred_at, data)
         VALUES ($1, $2, $3, 'payment.status_changed', $4, '{}')`,
        [payment.id, seq, `${payment.id}-${seq}`, new Date(base + offset)],
      );
    }

    const store = open(schema);
    expect(await store.migrate()).toEqual([2, 3]);
    const since = await store.listEventsSince({ after: null, limit: 10 });
    expect(since.map((event) => [event.id, event.position])).toEqual([
      [`${a.id}-1`, 1],
      [`${b.id}-1`, 2],
      [`${a.id}-2`, 3],
      [`${b.id}-2`, 4],
    ]);
    expect(since.every((event) => event.payment === null)).toBe(true);
    expect(await store.getPayment(a.id)).toEqual({
      ...a,
      amountMismatch: false,
      collectedAmount: null,
      collectedCurrency: null,
    });
    expect(await store.outboxStats()).toEqual({ pending: 0, dead: 0, oldestPendingAt: null });

    // the sequence carries on after the backfilled positions
    const next = await store.transition({
      paymentId: a.id,
      expectedVersion: a.version,
      changes: { status: 'processing' },
      events: [makeEvent('payment.processing', { deliverTo: ['handlers'] })],
    });
    if (!next.applied) throw new Error('not applied');
    expect(next.events.map((event) => [event.seq, event.position])).toEqual([[3, 5]]);
    expect(next.events[0]!.payment).toEqual(next.payment);
    expect(await store.outboxStats()).toMatchObject({ pending: 1 });
  });
});
