import { ClickPesaKitError } from '@clickpesa-kit/core';
import Database from 'better-sqlite3';
import { openNodeSqlite } from './node-sqlite-driver.js';

/**
 * Which SQLite binding opens the file. `better-sqlite3` (default) works on every supported Node;
 * `node:sqlite` is Node's built-in module (Node 22.13+), with no native build to install.
 */
export type SqliteDriver = 'better-sqlite3' | 'node:sqlite';

export function openDatabase(
  driver: SqliteDriver | undefined,
  filename: string,
  timeoutMs: number,
): Database.Database {
  if (driver === undefined || driver === 'better-sqlite3')
    return new Database(filename, { timeout: timeoutMs });
  if (driver === 'node:sqlite') {
    // The adapter implements the subset of better-sqlite3's API that the store's files call.
    return openNodeSqlite(filename, timeoutMs) as unknown as Database.Database;
  }
  throw new ClickPesaKitError('CONFIG_INVALID', {
    message: `Unknown SQLite driver ${JSON.stringify(driver)}: use 'better-sqlite3' or 'node:sqlite'`,
  });
}
