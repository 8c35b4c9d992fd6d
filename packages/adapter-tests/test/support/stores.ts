import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStore, type PaymentStore } from '@clickpesa-kit/core';
import { createPostgresStore, type PostgresStore } from '@clickpesa-kit/store-postgres';
import { createSqliteStore } from '@clickpesa-kit/store-sqlite';

/** One fresh, empty database for one suite or test. */
export interface TestDatabase {
  /** The store an app of the suite uses. */
  store: PaymentStore;
  /** Another instance over the same data, as a second app would open it. */
  openAnother(): PaymentStore;
  /** Closes every store it opened, then deletes the database (file or schema). */
  destroy(): Promise<void>;
}

/** A kind of store the HTTP suites run on: "memory", "sqlite" (a real file) or "postgres" (a real server). */
export interface StoreKind {
  name: 'memory' | 'sqlite' | 'postgres';
  /** Set when this kind cannot run on this machine; the suites then show a skipped block saying why. */
  skipReason?: string;
  create(): Promise<TestDatabase>;
}

export const memoryStore: StoreKind = {
  name: 'memory',
  create: async () => {
    const store = createMemoryStore();
    return { store, openAnother: () => store, destroy: async () => {} };
  },
};

/** A new SQLite file in its own temp directory (WAL mode, as a host runs it). */
export const sqliteStore: StoreKind = {
  name: 'sqlite',
  create: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpk-adapter-tests-'));
    const filename = join(dir, 'payments.db');
    const opened: PaymentStore[] = [];
    const open = () => {
      const store = createSqliteStore({ filename });
      opened.push(store);
      return store;
    };
    return {
      store: open(),
      openAnother: open,
      destroy: async () => {
        await Promise.all(opened.map((store) => store.close()));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

export const DATABASE_URL_VARIABLE = 'CLICKPESA_TEST_DATABASE_URL';

/**
 * Where the PostgreSQL suites run: CLICKPESA_TEST_DATABASE_URL. In CI (CI=true) a missing or unreachable
 * database fails the run; elsewhere those suites skip with a message saying which variable to set.
 */
async function findPostgres(): Promise<{ url: string } | { skipReason: string }> {
  const url = process.env[DATABASE_URL_VARIABLE];
  const inCi = process.env.CI === 'true';
  let problem: string;
  if (!url) {
    problem = `${DATABASE_URL_VARIABLE} is not set: set it (e.g. postgres://postgres@127.0.0.1:5432/test) to run the adapter suites on PostgreSQL`;
  } else {
    const probe = createPostgresStore({
      connectionString: url,
      maxConnections: 1,
      connectionTimeoutMs: 5_000,
    });
    try {
      await probe.pool.query('SELECT 1');
      return { url };
    } catch (error) {
      problem = `PostgreSQL at ${DATABASE_URL_VARIABLE} is unreachable (${(error as Error).message})`;
    } finally {
      await probe.close().catch(() => {});
    }
  }
  if (inCi) throw new Error(`${problem} (required in CI)`);
  console.warn(`[adapter-tests] PostgreSQL suites skipped: ${problem}`);
  return { skipReason: problem };
}

const postgres = await findPostgres();

/** A fresh schema per database on the real server, migrated before use and dropped afterwards. */
export const postgresStore: StoreKind =
  'skipReason' in postgres
    ? {
        name: 'postgres',
        skipReason: postgres.skipReason,
        create: () => Promise.reject(new Error('skipped')),
      }
    : {
        name: 'postgres',
        create: async () => {
          const schema = `cpk_adapter_${process.pid}_${randomBytes(4).toString('hex')}`;
          const opened: PostgresStore[] = [];
          const open = () => {
            const store = createPostgresStore({ connectionString: postgres.url, schema });
            opened.push(store);
            return store;
          };
          const store = open();
          await store.migrate();
          return {
            store,
            openAnother: open,
            destroy: async () => {
              await opened[0]!.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
              await Promise.all(opened.map((store) => store.close()));
            },
          };
        },
      };

/** The two real databases every rule runs on. */
export const realStores: StoreKind[] = [sqliteStore, postgresStore];
