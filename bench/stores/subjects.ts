import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStore, type PaymentStore } from '@clickpesa-kit/core';
import { createPostgresStore, type PostgresStore } from '@clickpesa-kit/store-postgres';
import { createSqliteStore, type SqliteDriver } from '@clickpesa-kit/store-sqlite';
import { makePayment } from '@clickpesa-kit/store-tests';
import { openBulkLoader } from './sqlite-bulk.js';

/**
 * One store under test and how to bulk-load it. Bulk loads copy a template payment made by the store itself
 * (so every row is valid) with a new id, reference and due time: 10 % due in the past, 40 % due in an hour,
 * 50 % never due (final) — the mix of a table that has lived a while.
 */
export interface Subject {
  name: string;
  store: PaymentStore;
  /** Grows the payments table to `total` rows. */
  fillTo(total: number): Promise<void>;
  dispose(): Promise<void>;
}

/** Where row i's next poll is, relative to now (ms), or null. Deterministic, so all stores hold the same mix. */
function dueOffset(i: number): number | null {
  const bucket = i % 10;
  if (bucket === 0) return -((i % 100_000) + 1_000);
  return bucket < 5 ? 60 * 60_000 : null;
}

export async function memorySubject(): Promise<Subject> {
  const store = createMemoryStore();
  let rows = 0;
  return {
    name: 'memory',
    store,
    async fillTo(total) {
      const now = Date.now();
      for (; rows < total; rows++) {
        const offset = dueOffset(rows);
        await store.createPayment({
          payment: makePayment({ nextPollAt: offset === null ? null : new Date(now + offset) }),
        });
      }
    },
    dispose: () => store.close(),
  };
}

export async function sqliteSubject(
  synchronous: 'full' | 'normal',
  driver: SqliteDriver = 'better-sqlite3',
): Promise<Subject> {
  const dir = mkdtempSync(join(tmpdir(), 'cpk-bench-sqlite-'));
  const filename = join(dir, 'bench.db');
  const store = createSqliteStore({ filename, synchronous, driver });
  const template = makePayment({ id: 'template', nextPollAt: null });
  await store.createPayment({ payment: template });
  // The bulk loader uses the same SQLite library as the store: two copies of SQLite in one process must
  // not share a file (closing one's descriptor drops the other's locks).
  const raw = openBulkLoader(driver, filename);
  const columns = raw.columns('payments');
  const overrides: Record<string, string> = {
    id: "'bench-' || g.i",
    order_reference: "printf('PAYB%011X', g.i)",
    order_references: `json_array(printf('PAYB%011X', g.i))`,
    next_poll_at: `CASE WHEN g.i % 10 = 0 THEN @now - ((g.i % 100000) + 1000) WHEN g.i % 10 < 5 THEN @now + ${60 * 60_000} ELSE NULL END`,
  };
  const fillSql = `WITH RECURSIVE g(i) AS (SELECT @from UNION ALL SELECT i + 1 FROM g WHERE i < @to)
     INSERT INTO payments (${columns.join(', ')})
     SELECT ${columns.map((c) => overrides[c] ?? `t.${c}`).join(', ')} FROM g, payments t WHERE t.id = 'template'`;
  let rows = 1;
  return {
    name: `sqlite (${driver}, synchronous=${synchronous})`,
    store,
    async fillTo(total) {
      if (total <= rows) return;
      raw.runInTransaction(fillSql, { from: rows, to: total - 1, now: Date.now() });
      rows = total;
      raw.exec('ANALYZE');
    },
    async dispose() {
      raw.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let schemas = 0;

export async function postgresSubject(url: string): Promise<Subject> {
  const schema = `cpk_bench_${process.pid}_${++schemas}`;
  const store: PostgresStore = createPostgresStore({ connectionString: url, schema, maxConnections: 16 });
  await store.migrate();
  await store.createPayment({ payment: makePayment({ id: 'template', nextPollAt: null }) });
  const { rows: columnRows } = await store.pool.query<{ column_name: string }>(
    'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
    [schema, 'payments'],
  );
  const columns = columnRows.map((row) => row.column_name);
  const reference = `'PAYB' || lpad(upper(to_hex(g)), 11, '0')`;
  const overrides: Record<string, string> = {
    id: `'bench-' || g`,
    order_reference: reference,
    order_references: `ARRAY[${reference}]`,
    next_poll_at: `CASE WHEN g % 10 = 0 THEN now() - ((g % 100000) + 1000) * interval '1 millisecond'
      WHEN g % 10 < 5 THEN now() + interval '1 hour' ELSE NULL END`,
  };
  const fillSql = `INSERT INTO "${schema}".payments (${columns.join(', ')})
    SELECT ${columns.map((c) => overrides[c] ?? `t.${c}`).join(', ')}
    FROM generate_series($1::int, $2::int) g, "${schema}".payments t WHERE t.id = 'template'`;
  let rows = 1;
  return {
    name: 'postgres',
    store,
    async fillTo(total) {
      if (total <= rows) return;
      // In slices, so one statement never holds a huge transaction.
      for (let from = rows; from < total; from += 100_000) {
        await store.pool.query(fillSql, [from, Math.min(total, from + 100_000) - 1]);
      }
      rows = total;
      await store.pool.query(`VACUUM ANALYZE "${schema}".payments`);
    },
    async dispose() {
      await store.pool.query(`DROP SCHEMA "${schema}" CASCADE`);
      await store.close();
    },
  };
}
