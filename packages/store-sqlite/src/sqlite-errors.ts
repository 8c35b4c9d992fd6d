import { isClickPesaKitError, StoreConflictError, StoreUnavailableError } from '@clickpesa-kit/core';

const CONFLICT_CODES = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);

/** SQLITE_BUSY and its extended codes (BUSY_SNAPSHOT, BUSY_RECOVERY, BUSY_TIMEOUT): worth a bounded retry. */
export function isBusy(error: unknown): boolean {
  return sqliteCode(error)?.startsWith('SQLITE_BUSY') ?? false;
}

/** Maps what better-sqlite3 throws to the catalog: unique violations → STORE_CONFLICT, I/O and locks → STORE_UNAVAILABLE. */
export function toStoreError(error: unknown): unknown {
  if (isClickPesaKitError(error)) return error;
  const code = sqliteCode(error);
  if (code !== undefined && CONFLICT_CODES.has(code)) {
    return new StoreConflictError({
      cause: error,
      message: `A unique constraint was violated (${code})`,
    });
  }
  if (
    code?.startsWith('SQLITE_BUSY') ||
    code?.startsWith('SQLITE_IOERR') ||
    code?.startsWith('SQLITE_CANTOPEN') ||
    code?.startsWith('SQLITE_READONLY') ||
    code === 'SQLITE_FULL' ||
    code === 'SQLITE_LOCKED' ||
    code === 'SQLITE_CORRUPT' ||
    code === 'SQLITE_NOTADB'
  ) {
    return new StoreUnavailableError({
      cause: error,
      message: `SQLite is unavailable (${code})`,
    });
  }
  return error;
}

/** Errors opening the file (missing directory, permissions) are "storage unavailable" too. */
export function toOpenError(error: unknown): unknown {
  const mapped = toStoreError(error);
  if (mapped !== error || isClickPesaKitError(error)) return mapped;
  const message = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError({
    cause: error,
    message: `Cannot open the SQLite file: ${message}`,
  });
}

export function storeClosedError(): StoreUnavailableError {
  return new StoreUnavailableError({ message: 'The SQLite store is closed' });
}

function sqliteCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = (error as { code: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}
