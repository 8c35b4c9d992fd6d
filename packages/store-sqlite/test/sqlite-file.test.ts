import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore, SQLITE_MIGRATIONS } from '@clickpesa-kit/store-sqlite';
import { makePayment, makeProviderPayment } from '@clickpesa-kit/store-tests';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'cpk-sqlite-file-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const newFile = () => join(root, `file-${++counter}.db`);

describe('createSqliteStore', () => {
  it('opens a file in WAL mode, creates its directory and records the schema version once', async () => {
    const filename = join(root, 'nested', 'dir', 'payments.db');
    const store = createSqliteStore({ filename });
    expect(store.kind).toBe('sqlite');
    expect(store.shared).toBe(true);
    expect(store.schemaVersion).toBe(SQLITE_MIGRATIONS.at(-1)!.version);
    await store.close();
    createSqliteStore({ filename }).close(); // reopening applies nothing again

    const db = new Database(filename, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT version FROM schema_migrations').pluck().all()).toEqual(
      SQLITE_MIGRATIONS.map((migration) => migration.version),
    );
    db.close();
  });

  it('indexes the due query and the lookups by reference and transaction id', () => {
    const filename = newFile();
    createSqliteStore({ filename }).close();
    const db = new Database(filename, { readonly: true });
    const plan = (sql: string) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[])
        .map((row) => row.detail)
        .join(' | ');
    const due = plan(
      'SELECT id FROM payments WHERE next_poll_at IS NOT NULL AND next_poll_at <= 1 AND (lease_until IS NULL OR lease_until <= 1) ORDER BY next_poll_at, id LIMIT 100',
    );
    expect(due).toMatch(/USING INDEX payments_due/);
    expect(due).not.toMatch(/TEMP B-TREE/);
    expect(plan("SELECT * FROM payments WHERE transaction_id = 'x'")).toMatch(
      /INDEX payments_transaction_id/,
    );
    expect(plan("SELECT * FROM payment_references WHERE order_reference = 'x'")).toMatch(/PRIMARY KEY/);
    db.close();
  });

  it('refuses a file whose schema is newer than the package knows', () => {
    const filename = newFile();
    createSqliteStore({ filename }).close();
    const db = new Database(filename);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)").run();
    db.close();
    expect(() => createSqliteStore({ filename })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });

  it('keeps every field exactly across a reopen: dates to the ms, JSON, and amounts as decimal strings', async () => {
    const filename = newFile();
    const at = new Date('2026-03-04T05:06:07.089Z');
    const payment = makePayment({
      amount: '12345678901234567.10',
      metadata: { orderNo: 'A-1', qty: 3, gift: false, note: null },
      customerName: 'Asha Mtei',
      providerStatus: makeProviderPayment('PAY000000000ABC', { collectedAmount: '0.10' }),
      createdAt: at,
      nextPollAt: new Date(at.getTime() + 15_000),
      needsAttention: true,
    });
    const store = createSqliteStore({ filename });
    await store.createPayment({ payment });
    await store.close();

    const reopened = createSqliteStore({ filename });
    expect(await reopened.getPayment(payment.id)).toEqual(payment);
    await reopened.close();
    const db = new Database(filename, { readonly: true });
    expect(db.prepare('SELECT typeof(amount) FROM payments').pluck().get()).toBe('text');
    db.close();
  });

  it('is shared: false for :memory: (one connection, one process)', async () => {
    const store = createSqliteStore({ filename: ':memory:' });
    expect(store.shared).toBe(false);
    await store.close();
  });

  it('answers STORE_UNAVAILABLE once closed, and when the file cannot be opened', async () => {
    const store = createSqliteStore({ filename: newFile() });
    await store.ping();
    await store.close();
    await expect(store.ping()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(store.getPayment('x')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    const plainFile = join(root, 'plain.txt');
    writeFileSync(plainFile, 'not a directory');
    expect(() => createSqliteStore({ filename: join(plainFile, 'x.db') })).toThrow(
      expect.objectContaining({ code: 'STORE_UNAVAILABLE' }),
    );
  });

  it('gives up with STORE_UNAVAILABLE while another process holds the write lock past the busy timeout', async () => {
    const filename = newFile();
    const store = createSqliteStore({ filename, busyTimeoutMs: 20, busyRetries: 1 });
    const holder = new Database(filename);
    holder.exec('BEGIN IMMEDIATE');
    await expect(store.createPayment({ payment: makePayment() })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
    holder.exec('ROLLBACK');
    holder.close();
    await store.close();
  });

  it('retries a write that found the database locked, and succeeds once the lock is gone (F-DB-2)', async () => {
    const filename = newFile();
    const store = createSqliteStore({ filename, busyTimeoutMs: 20, busyRetries: 3 });
    const holder = new Database(filename);
    holder.exec('BEGIN IMMEDIATE');
    // Released while the store waits between attempts (its first attempt blocks synchronously, then fails busy).
    setTimeout(() => holder.exec('COMMIT'), 0);
    const payment = makePayment();
    const result = await store.createPayment({ payment });
    expect(result.kind).toBe('created');
    expect((await store.getPayment(payment.id))?.id).toBe(payment.id);
    holder.close();
    await store.close();
  });
});
