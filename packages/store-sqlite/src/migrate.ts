import { ClickPesaKitError } from '@clickpesa-kit/core';
import type Database from 'better-sqlite3';
import { MIGRATIONS, type Migration, SQLITE_BASELINE } from './schema.js';

/**
 * Brings the file's schema up to date. Runs in one BEGIN IMMEDIATE, so a second process opening the
 * same file at the same moment waits, then finds the migrations applied.
 * A new file gets `baseline` (the whole current schema) and every migration's version instead of the
 * migrations one by one; without a baseline it replays them. Returns the versions it applied.
 */
export function migrateSqlite(
  db: Database.Database,
  migrations: readonly Migration[] = MIGRATIONS,
  baseline: string | undefined = migrations === MIGRATIONS ? SQLITE_BASELINE : undefined,
): number[] {
  const run = db.transaction(() => {
    db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    const row = db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as {
      version: number | null;
    };
    const current = row.version ?? 0;
    const latest = migrations.at(-1)?.version ?? 0;
    if (current > latest) {
      throw new ClickPesaKitError('CONFIG_INVALID', {
        message: `The SQLite file has schema version ${current}, newer than this package knows (${latest}); upgrade @clickpesa-kit/store-sqlite`,
      });
    }
    const applied: number[] = [];
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    const fromBaseline = current === 0 && baseline !== undefined;
    if (fromBaseline) db.exec(baseline);
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      if (!fromBaseline) db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
      applied.push(migration.version);
    }
    return applied;
  });
  return run.immediate();
}
