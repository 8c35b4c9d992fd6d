import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Where the PostgreSQL tests run: CLICKPESA_TEST_DATABASE_URL (.ci/run sets it to
 * postgres://postgres@127.0.0.1:5432/test). In CI (CI=true) an unreachable database fails the run;
 * elsewhere the tests skip with a message saying which variable to set.
 */
export const DATABASE_URL_VARIABLE = 'CLICKPESA_TEST_DATABASE_URL';

export type TestDatabase = { url: string; skipReason?: undefined } | { url?: undefined; skipReason: string };

export async function findTestDatabase(): Promise<TestDatabase> {
  const url = process.env[DATABASE_URL_VARIABLE];
  const inCi = process.env.CI === 'true';
  if (!url) {
    const message = `${DATABASE_URL_VARIABLE} is not set: set it (e.g. postgres://postgres@127.0.0.1:5432/test) to run the PostgreSQL store tests`;
    if (inCi) throw new Error(`${message} (required in CI)`);
    console.warn(`[store-postgres] skipped: ${message}`);
    return { skipReason: message };
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { url };
  } catch (error) {
    const message = `PostgreSQL at ${DATABASE_URL_VARIABLE} is unreachable (${(error as Error).message})`;
    if (inCi) throw new Error(`${message}; CI requires it`);
    console.warn(`[store-postgres] skipped: ${message}`);
    return { skipReason: `${message}: the PostgreSQL store tests are skipped` };
  } finally {
    await client.end().catch(() => {});
  }
}

/** A fresh schema name for one test run (the store creates it on migrate). */
export function uniqueSchema(prefix = 'cpk_test'): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
