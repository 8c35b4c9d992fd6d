import { ClickPesaKitError } from '@clickpesa-kit/core';
import pg from 'pg';
import { toStoreError } from './pg-errors.js';
import { MIGRATIONS, type Migration, postgresBaseline } from './schema.js';
import { quoteSchema } from './sql-params.js';
import { withTransaction } from './transaction.js';

export const DEFAULT_SCHEMA = 'clickpesa_kit';

export interface MigrateOptions {
  /** Either a connection string or a pool you own (it is not ended). */
  connectionString?: string;
  pool?: pg.Pool;
  /** Default `clickpesa_kit`; created when missing. */
  schema?: string;
}

/**
 * Applies the missing migrations to `schema` in one transaction. An advisory lock per schema makes
 * concurrent callers (several instances starting at once) wait for each other instead of racing.
 * Returns the versions applied (empty when already up to date).
 */
export async function migratePostgres(options: MigrateOptions): Promise<number[]> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString, max: 1 });
  const ownPool = options.pool === undefined;
  pool.on('error', () => {}); // an idle client dying must not crash a one-shot migration
  try {
    return await migrateWith(pool, schema, MIGRATIONS);
  } catch (error) {
    throw toStoreError(error, schema);
  } finally {
    if (ownPool) await pool.end();
  }
}

/**
 * A new schema gets `baseline` (the whole current schema) and every migration's version instead of the
 * migrations one by one; without a baseline it replays them.
 */
export function migrateWith(
  pool: pg.Pool,
  schema: string,
  migrations: readonly Migration[],
  baseline: string | undefined = migrations === MIGRATIONS ? postgresBaseline() : undefined,
): Promise<number[]> {
  const quoted = quoteSchema(schema);
  return withTransaction(pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      `clickpesa-kit:migrate:${schema}`,
    ]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await tx.query(`SET LOCAL search_path TO ${quoted}`);
    await tx.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await tx.query<{ version: number | null }>(
      'SELECT max(version) AS version FROM schema_migrations',
    );
    const current = rows[0]?.version ?? 0;
    const latest = migrations.at(-1)?.version ?? 0;
    if (current > latest) {
      throw new ClickPesaKitError('CONFIG_INVALID', {
        message: `Schema "${schema}" has version ${current}, newer than this package knows (${latest}); upgrade @clickpesa-kit/store-postgres`,
      });
    }
    const applied: number[] = [];
    const fromBaseline = current === 0 && baseline !== undefined;
    if (fromBaseline) await tx.query(baseline);
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      if (!fromBaseline) await tx.query(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    return applied;
  });
}
