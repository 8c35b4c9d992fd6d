import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PaymentRecord } from '@clickpesa-kit/core';
import {
  columnDefinition,
  createRecordMapper,
  PAYMENT_FIELDS,
  type PaymentField,
} from '@clickpesa-kit/core/store';
import { withFaults } from '@clickpesa-kit/core/testing';
import { makePayment } from '@clickpesa-kit/store-tests';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateSqlite } from '../src/migrate.js';
import { SQLITE_CODEC, SQLITE_TYPES } from '../src/rows.js';
import { MIGRATIONS, type Migration, sqliteBaseline } from '../src/schema.js';
import { createSqliteStore } from '../src/sqlite-store.js';

const root = mkdtempSync(join(tmpdir(), 'cpk-sqlite-schema-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

/** A file migrated with `migrations`, from `baseline` when given (as a new file) or replaying them (as an old one). */
function migratedFile(migrations: readonly Migration[], baseline?: string): Database.Database {
  const db = new Database(join(root, `schema-${++counter}.db`));
  migrateSqlite(db, migrations, baseline);
  return db;
}

/** Every table's columns and every index, as SQLite reports them. */
function schemaOf(db: Database.Database) {
  const objects = db
    .prepare("SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
    .all() as { type: string; name: string }[];
  return objects.map((object) => ({
    ...object,
    // A column added by a migration lands at the end of an old table: compare columns by name, not position.
    columns:
      object.type === 'table'
        ? (db.pragma(`table_info(${object.name})`) as { cid: number; name: string }[])
            .map(({ cid: _position, ...column }) => column)
            .sort((x, y) => x.name.localeCompare(y.name))
        : db.pragma(`index_info(${object.name})`),
    versions:
      object.name === 'schema_migrations'
        ? db.prepare('SELECT version, name FROM schema_migrations').all()
        : undefined,
  }));
}

/** The field table with one more field, as a developer adding one would write it. */
const withNewField: readonly PaymentField[] = [
  ...PAYMENT_FIELDS,
  {
    name: 'channelHint' as keyof PaymentRecord,
    column: 'channel_hint',
    kind: 'text',
    nullable: true,
    access: 'mutable',
  },
];

describe('SQLite schema from the payment field table', () => {
  it('a new file (baseline) and an old file (every migration replayed) have the same schema', () => {
    const fresh = migratedFile(MIGRATIONS, sqliteBaseline());
    const replayed = migratedFile(MIGRATIONS);
    expect(schemaOf(fresh)).toEqual(schemaOf(replayed));
    // and the store's own migrate picks the baseline for a new file
    const store = createSqliteStore({ filename: join(root, 'store.db') });
    expect(store.schemaVersion).toBe(3);
    void store.close();
  });

  it('a field added to the table reaches the DDL and the row mapping; an old file migrates to the same schema', () => {
    const added = withNewField.at(-1)!;
    expect(sqliteBaseline(withNewField)).toContain('channel_hint TEXT,');
    const migrations: Migration[] = [
      ...MIGRATIONS,
      {
        version: MIGRATIONS.length + 1,
        name: 'channel hint',
        sql: `ALTER TABLE payments ADD COLUMN ${columnDefinition(added, SQLITE_TYPES)}`,
      },
    ];
    const oldFile = migratedFile(MIGRATIONS);
    migrateSqlite(oldFile, migrations);
    const newFile = migratedFile(migrations, sqliteBaseline(withNewField));
    // An added column lands at the end of an old table: same columns otherwise (name, type, null, default, key).
    const columns = (db: Database.Database) =>
      (db.pragma('table_info(payments)') as { cid: number; name: string }[])
        .map(({ cid: _position, ...column }) => column)
        .sort((x, y) => x.name.localeCompare(y.name));
    expect(columns(newFile).map((column) => column.name)).toContain('channel_hint');
    expect(columns(oldFile)).toEqual(columns(newFile));

    const rows = createRecordMapper(withNewField, SQLITE_CODEC);
    const payment = { ...makePayment(), channelHint: 'ussd' } as PaymentRecord;
    const row = rows.toRow(payment);
    expect(row.channel_hint).toBe('ussd');
    expect(rows.fromRow(row)).toEqual(payment);
  });
});

describe('SQLite migration to the event outbox (version 2)', () => {
  /** The payment fields a version 1 file has (the ones added since are left out). */
  const ADDED_IN_V2 = new Set(['amount_mismatch', 'collected_amount', 'collected_currency']);
  const v1Rows = createRecordMapper(
    PAYMENT_FIELDS.filter((field) => !ADDED_IN_V2.has(field.column)),
    SQLITE_CODEC,
  );

  it('an old file keeps its rows: events numbered in the order they occurred, new fields false and null', async () => {
    const filename = join(root, `old-${++counter}.db`);
    const old = new Database(filename);
    migrateSqlite(old, MIGRATIONS.slice(0, 1));
    const insert = (table: string, row: Record<string, unknown>) => {
      const columns = Object.keys(row);
      old
        .prepare(
          `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
        )
        .run(row);
    };
    const base = Date.UTC(2026, 0, 5, 10);
    const a = makePayment();
    const b = makePayment();
    for (const payment of [a, b]) insert('payments', { ...v1Rows.toRow(payment), last_event_seq: 2 });
    // inserted out of order on purpose: positions follow occurred_at
    const eventRow = (paymentId: string, seq: number, offset: number) => ({
      payment_id: paymentId,
      seq,
      id: `${paymentId}-${seq}`,
      type: 'payment.status_changed',
      occurred_at: base + offset,
      data: '{}',
    });
    insert('payment_events', eventRow(b.id, 2, 40));
    insert('payment_events', eventRow(a.id, 1, 10));
    insert('payment_events', eventRow(b.id, 1, 20));
    insert('payment_events', eventRow(a.id, 2, 30));
    old.close();

    const store = createSqliteStore({ filename });
    try {
      expect(store.schemaVersion).toBe(3);
      const since = await store.listEventsSince({ after: null, limit: 10 });
      expect(since.map((event) => [event.id, event.position])).toEqual([
        [`${a.id}-1`, 1],
        [`${b.id}-1`, 2],
        [`${a.id}-2`, 3],
        [`${b.id}-2`, 4],
      ]);
      // older than the outbox: no payment snapshot
      expect(since.every((event) => event.payment === null)).toBe(true);
      expect(await store.getPayment(a.id)).toEqual({
        ...a,
        amountMismatch: false,
        collectedAmount: null,
        collectedCurrency: null,
      });
      // no deliveries were invented for old events
      expect(await store.outboxStats()).toEqual({ pending: 0, dead: 0, oldestPendingAt: null });

      // and the store carries on: the next event numbers after the payment's seq and after every position
      const next = await store.transition({
        paymentId: a.id,
        expectedVersion: a.version,
        changes: { status: 'processing' },
        events: [
          {
            id: 'next',
            type: 'payment.processing',
            occurredAt: new Date(base),
            data: {},
            deliverTo: ['handlers'],
          },
        ],
      });
      if (!next.applied) throw new Error('not applied');
      expect(next.events.map((event) => [event.seq, event.position])).toEqual([[3, 5]]);
      expect(next.events[0]!.payment).toEqual(next.payment);
      expect(await store.outboxStats()).toMatchObject({ pending: 1 });
    } finally {
      await store.close();
    }
  });
});

describe('withFaults over the SQLite store', () => {
  it('fails the armed call, writes nothing, and passes the store through', async () => {
    const store = withFaults(createSqliteStore({ filename: ':memory:' }));
    expect(store.kind).toBe('sqlite');
    expect(store.schemaVersion).toBe(3);
    const payment = makePayment();
    store.failNext('createPayment');
    await expect(store.createPayment({ payment })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(await store.getPayment(payment.id)).toBeNull();
    expect((await store.createPayment({ payment })).kind).toBe('created');
    expect(await store.budget.take('b', 1, 1000, new Date())).toBe(0);
    await store.close();
  });
});

describe('SQLite migration to orders (version 3)', () => {
  it('a version 2 file keeps its payments, lists them by owner and order, and refuses a second active payment of an order', async () => {
    const filename = join(root, `v2-${++counter}.db`);
    const old = new Database(filename);
    migrateSqlite(old, MIGRATIONS.slice(0, 2));
    const rows = createRecordMapper(PAYMENT_FIELDS, SQLITE_CODEC);
    const base = Date.UTC(2026, 0, 5, 10);
    const failed = makePayment({
      ownerId: 'owner-1',
      externalOrderId: 'order-9',
      status: 'failed',
      createdAt: new Date(base),
    });
    const open = makePayment({
      ownerId: 'owner-1',
      externalOrderId: 'order-9',
      status: 'pending',
      createdAt: new Date(base + 1000),
    });
    for (const payment of [failed, open]) {
      const row = rows.toRow(payment);
      const columns = Object.keys(row);
      old
        .prepare(
          `INSERT INTO payments (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
        )
        .run(row);
    }
    old.close();

    const store = createSqliteStore({ filename });
    try {
      expect(store.schemaVersion).toBe(3);
      const listed = await store.listPayments({ ownerId: 'owner-1', externalOrderId: 'order-9', limit: 10 });
      expect(listed.map((payment) => payment.id)).toEqual([open.id, failed.id]);
      const again = makePayment({ ownerId: 'owner-1', externalOrderId: 'order-9' });
      expect(await store.createPayment({ payment: again })).toEqual({
        kind: 'order_busy',
        paymentId: open.id,
      });
      // the index itself holds too: a raw write of a second active payment of the order fails
      const raw = new Database(filename);
      try {
        expect(() =>
          raw.prepare("UPDATE payments SET status = 'pending' WHERE id = ?").run(failed.id),
        ).toThrow(/UNIQUE/);
      } finally {
        raw.close();
      }
    } finally {
      await store.close();
    }
  });
});

describe('SQLite migration to orders (version 3), with two active payments of one order', () => {
  it('fails and leaves the file at version 2, its rows untouched', () => {
    const filename = join(root, `v2-dup-${++counter}.db`);
    const old = new Database(filename);
    migrateSqlite(old, MIGRATIONS.slice(0, 2));
    const rows = createRecordMapper(PAYMENT_FIELDS, SQLITE_CODEC);
    const order = { ownerId: 'owner-2', externalOrderId: 'order-dup' };
    for (const status of ['pending', 'success'] as const) {
      const row = rows.toRow(makePayment({ ...order, status }));
      const columns = Object.keys(row);
      old
        .prepare(
          `INSERT INTO payments (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
        )
        .run(row);
    }
    expect(() => migrateSqlite(old)).toThrow(/UNIQUE/);
    const version = old.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number };
    expect(version.v).toBe(2);
    expect((old.prepare('SELECT COUNT(*) AS n FROM payments').get() as { n: number }).n).toBe(2);
    old.close();
  });
});
