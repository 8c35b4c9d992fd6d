import { ClickPesaKitError } from '@clickpesa-kit/core';

/**
 * Gives Node's built-in `node:sqlite` (DatabaseSync) the small part of better-sqlite3's surface the store
 * uses: prepare (run/get/all), exec, pragma, transaction (with .immediate), open and close.
 * Errors are re-thrown with better-sqlite3's `SQLITE_*` codes, so the store maps them the same way.
 */

/** The part of node:sqlite's StatementSync used here (@types/node 20 does not describe the module). */
interface NodeStatement {
  run(...params: unknown[]): { changes: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  setAllowUnknownNamedParameters?(enabled: boolean): void;
}

interface NodeDatabase {
  prepare(sql: string): NodeStatement;
  exec(sql: string): void;
  close(): void;
}

interface NodeSqliteModule {
  DatabaseSync: new (filename: string) => NodeDatabase;
}

export interface AdaptedStatement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

type TransactionFunction = ((...args: unknown[]) => unknown) & {
  deferred(...args: unknown[]): unknown;
  immediate(...args: unknown[]): unknown;
  exclusive(...args: unknown[]): unknown;
};

export interface AdaptedDatabase {
  readonly open: boolean;
  prepare(sql: string): AdaptedStatement;
  exec(sql: string): void;
  pragma(source: string): unknown[];
  transaction(fn: (...args: unknown[]) => unknown): TransactionFunction;
  close(): void;
}

/** Opens `filename` with node:sqlite; fails with CONFIG_INVALID where this Node has no node:sqlite. */
export function openNodeSqlite(filename: string, busyTimeoutMs: number): AdaptedDatabase {
  const sqlite = process.getBuiltinModule?.('node:sqlite') as NodeSqliteModule | undefined;
  if (!sqlite) {
    throw new ClickPesaKitError('CONFIG_INVALID', {
      message: `driver 'node:sqlite' needs Node 22.13 or later (this is ${process.version}); use the default driver, better-sqlite3`,
    });
  }
  const db = translated(() => new sqlite.DatabaseSync(filename));
  return new NodeSqliteDatabase(db, busyTimeoutMs);
}

class NodeSqliteDatabase implements AdaptedDatabase {
  private closed = false;
  private depth = 0;

  constructor(
    private readonly db: NodeDatabase,
    busyTimeoutMs: number,
  ) {
    // DatabaseSync's own `timeout` option is missing before Node 22.16; the pragma works everywhere.
    this.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
  }

  get open(): boolean {
    return !this.closed;
  }

  prepare(sql: string): AdaptedStatement {
    const statement = translated(() => this.db.prepare(sql));
    // better-sqlite3 ignores named parameters a statement does not use; the store relies on that.
    statement.setAllowUnknownNamedParameters?.(true);
    return {
      run: (...params) => {
        const result = translated(() => statement.run(...params));
        return { changes: Number(result.changes) };
      },
      get: (...params) => translated(() => statement.get(...params)),
      all: (...params) => translated(() => statement.all(...params)),
    };
  }

  exec(sql: string): void {
    translated(() => this.db.exec(sql));
  }

  pragma(source: string): unknown[] {
    return this.prepare(`PRAGMA ${source}`).all();
  }

  /** Like better-sqlite3's: BEGIN … COMMIT, ROLLBACK on throw, a SAVEPOINT when already inside one. */
  transaction(fn: (...args: unknown[]) => unknown): TransactionFunction {
    const variant =
      (begin: string) =>
      (...args: unknown[]): unknown => {
        const nested = this.depth > 0;
        this.exec(nested ? 'SAVEPOINT nested' : begin);
        this.depth++;
        try {
          const result = fn(...args);
          this.exec(nested ? 'RELEASE nested' : 'COMMIT');
          return result;
        } catch (error) {
          this.rollback(nested);
          throw error;
        } finally {
          this.depth--;
        }
      };
    return Object.assign(variant('BEGIN'), {
      deferred: variant('BEGIN DEFERRED'),
      immediate: variant('BEGIN IMMEDIATE'),
      exclusive: variant('BEGIN EXCLUSIVE'),
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private rollback(nested: boolean): void {
    try {
      this.exec(nested ? 'ROLLBACK TO nested; RELEASE nested' : 'ROLLBACK');
    } catch {
      // SQLite already rolled back (e.g. after SQLITE_FULL); the original error is the one to report.
    }
  }
}

/** Primary result codes (the low byte of an extended code) by name, as better-sqlite3 spells them. */
const PRIMARY_CODES: Record<number, string> = {
  1: 'SQLITE_ERROR',
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  8: 'SQLITE_READONLY',
  10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  19: 'SQLITE_CONSTRAINT',
  26: 'SQLITE_NOTADB',
};

/** The extended codes the store tells apart. */
const EXTENDED_CODES: Record<number, string> = {
  261: 'SQLITE_BUSY_RECOVERY',
  517: 'SQLITE_BUSY_SNAPSHOT',
  773: 'SQLITE_BUSY_TIMEOUT',
  1555: 'SQLITE_CONSTRAINT_PRIMARYKEY',
  2067: 'SQLITE_CONSTRAINT_UNIQUE',
};

/** An error from node:sqlite, carrying better-sqlite3's `code` for its SQLite result code. */
export class NodeSqliteError extends Error {
  override readonly name = 'NodeSqliteError';
  constructor(
    message: string,
    readonly code: string,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

function translated<T>(operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    throw withSqliteCode(error);
  }
}

function withSqliteCode(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const { errcode } = error as { errcode?: unknown };
  if (typeof errcode !== 'number') return error;
  const code = EXTENDED_CODES[errcode] ?? PRIMARY_CODES[errcode & 0xff] ?? `SQLITE_${errcode}`;
  const message = error instanceof Error ? error.message : String(error);
  return new NodeSqliteError(message, code, { cause: error });
}
