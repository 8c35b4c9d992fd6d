import type { SqliteDriver } from '@clickpesa-kit/store-sqlite';
import Database from 'better-sqlite3';

/** A second connection to a store's file, for bulk loads the store's contract has no call for. */
export interface BulkLoader {
  columns(table: string): string[];
  /** Runs one statement with named parameters in a BEGIN IMMEDIATE transaction. */
  runInTransaction(sql: string, params: Record<string, number>): void;
  exec(sql: string): void;
  close(): void;
}

interface NodeSqlite {
  DatabaseSync: new (
    filename: string,
  ) => {
    prepare(sql: string): { all(): unknown[]; run(params: Record<string, number>): unknown };
    exec(sql: string): void;
    close(): void;
  };
}

export function openBulkLoader(driver: SqliteDriver, filename: string): BulkLoader {
  if (driver === 'node:sqlite') {
    const { DatabaseSync } = process.getBuiltinModule('node:sqlite') as NodeSqlite;
    const db = new DatabaseSync(filename);
    db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000');
    return {
      columns: (table) =>
        (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name),
      runInTransaction(sql, params) {
        db.exec('BEGIN IMMEDIATE');
        try {
          db.prepare(sql).run(params);
          db.exec('COMMIT');
        } catch (error) {
          db.exec('ROLLBACK');
          throw error;
        }
      },
      exec: (sql) => db.exec(sql),
      close: () => db.close(),
    };
  }
  const db = new Database(filename);
  db.pragma('journal_mode = WAL');
  return {
    columns: (table) =>
      (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name),
    runInTransaction: (sql, params) => db.transaction(() => db.prepare(sql).run(params)).immediate(),
    exec: (sql) => db.exec(sql),
    close: () => db.close(),
  };
}
