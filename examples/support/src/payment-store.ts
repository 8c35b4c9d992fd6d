import { accessSync, constants, mkdirSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import type { PaymentStore } from '@clickpesa-kit/core';
import { createPostgresStore } from '@clickpesa-kit/store-postgres';
import { createSqliteStore } from '@clickpesa-kit/store-sqlite';
import type { DatabaseChoice } from './config.js';
import { StartupError } from './startup-error.js';

/**
 * Opens the store `DATABASE_URL` chose and proves it works before the app takes a request: a data directory
 * that cannot be written or a database that cannot be reached is a startup error, not a 503 on the first
 * payment.
 */
export async function openPaymentStore(database: DatabaseChoice): Promise<PaymentStore> {
  return database.kind === 'sqlite' ? openSqlite(database.filename) : openPostgres(database);
}

function openSqlite(filename: string): PaymentStore {
  const directory = dirname(filename);
  try {
    mkdirSync(directory, { recursive: true });
    accessSync(directory, constants.W_OK);
    return createSqliteStore({ filename });
  } catch (error) {
    throw new StartupError(
      `Cannot write the SQLite database ${displayPath(filename)} (${describeFsError(error)}): ` +
        `make ${displayPath(directory)} a writable directory, or set DATABASE_URL to a postgres:// URL`,
    );
  }
}

async function openPostgres(database: Extract<DatabaseChoice, { kind: 'postgres' }>): Promise<PaymentStore> {
  let store: ReturnType<typeof createPostgresStore> | undefined;
  try {
    store = createPostgresStore({ connectionString: database.connectionString, connectionTimeoutMs: 5000 });
    // creates or upgrades the tables; safe when several instances start at once
    await store.migrate();
    return store;
  } catch (error) {
    await store?.close().catch(() => {});
    throw new StartupError(
      `Cannot use the PostgreSQL database at ${database.where} (${describePgError(error)}): ` +
        'check DATABASE_URL and that the server is running',
    );
  }
}

function displayPath(path: string): string {
  const fromHere = relative(process.cwd(), path);
  return fromHere.startsWith('..') || fromHere === '' ? path : `./${fromHere}`;
}

function describeFsError(error: unknown): string {
  switch (codeOf(error)) {
    case 'ENOTDIR':
    case 'EEXIST':
      return 'a file is in the way of the directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'disk full';
    default:
      return codeOf(error) ?? 'it cannot be opened';
  }
}

const PG_PROBLEMS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'unknown host',
  ETIMEDOUT: 'no answer',
  EHOSTUNREACH: 'host unreachable',
  '28P01': 'authentication failed',
  '28000': 'authentication failed',
  '3D000': 'the database does not exist',
  '42501': 'permission denied',
};

/** The first recognisable code along the cause chain (the store wraps pg's errors). */
export function describePgError(error: unknown): string {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = codeOf(current);
    if (code && PG_PROBLEMS[code]) return PG_PROBLEMS[code];
    if (current instanceof Error && /timeout/i.test(current.message)) return 'no answer';
    current = (current as { cause?: unknown }).cause;
  }
  return codeOf(error) ?? 'it cannot be reached';
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
