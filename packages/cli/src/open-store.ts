import { existsSync } from 'node:fs';
import type { PaymentStore } from '@clickpesa-kit/core';
import { UsageError } from './exit-codes.js';

export interface StoreChoice {
  sqlite?: string | undefined;
  databaseUrl?: string | undefined;
  schema?: string | undefined;
}

/** Which store the flags and then the environment name: --sqlite, --database-url, DATABASE_URL, CLICKPESA_SQLITE_FILE. */
export function chooseStore(flags: StoreChoice, env: NodeJS.ProcessEnv): StoreChoice {
  const schema = flags.schema ?? env.CLICKPESA_PG_SCHEMA;
  if (flags.sqlite && flags.databaseUrl) throw new UsageError('Give --sqlite or --database-url, not both');
  if (flags.sqlite) return { sqlite: flags.sqlite };
  if (flags.databaseUrl) return { databaseUrl: flags.databaseUrl, schema };
  if (env.DATABASE_URL) return { databaseUrl: env.DATABASE_URL, schema };
  if (env.CLICKPESA_SQLITE_FILE) return { sqlite: env.CLICKPESA_SQLITE_FILE };
  throw new UsageError(
    'No store: set DATABASE_URL (PostgreSQL) or CLICKPESA_SQLITE_FILE, or pass --database-url or --sqlite',
  );
}

/**
 * Opens the store the app uses and checks it answers (`ping`). A SQLite file must exist already: the CLI
 * never creates an empty database because of a typo. PostgreSQL is not migrated here (the app's deploy does it).
 */
export async function openStore(choice: StoreChoice): Promise<PaymentStore> {
  let store: PaymentStore;
  if (choice.sqlite) {
    if (!existsSync(choice.sqlite)) throw new UsageError(`No SQLite database at ${choice.sqlite}`);
    const { createSqliteStore } = await import('@clickpesa-kit/store-sqlite');
    store = createSqliteStore({ filename: choice.sqlite });
  } else {
    const { createPostgresStore } = await import('@clickpesa-kit/store-postgres');
    store = createPostgresStore({
      connectionString: choice.databaseUrl as string,
      ...(choice.schema ? { schema: choice.schema } : {}),
      maxConnections: 2,
      connectionTimeoutMs: 5000,
    });
  }
  try {
    await store.ping();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}
