import {
  ClickPesaKitError,
  isClickPesaKitError,
  StoreConflictError,
  StoreUnavailableError,
} from '@clickpesa-kit/core';

/** SQLSTATEs worth retrying the whole local transaction for */
const RETRYABLE_STATES = new Set(['40001', '40P01']);

/** Node network errors and pg messages that mean "the database cannot be reached". */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);
const UNREACHABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Cannot use a pool after calling end on the pool',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Connection terminated unexpectedly',
];

export function isRetryable(error: unknown): boolean {
  return RETRYABLE_STATES.has(errorCode(error) ?? '');
}

/**
 * Maps pg errors to the catalog: unique violations → STORE_CONFLICT; connection, shutdown, resource and auth
 * failures → STORE_UNAVAILABLE; a missing table → CONFIG_INVALID (migrations were not run). Messages never
 * include the connection string.
 */
export function toStoreError(error: unknown, schema: string): unknown {
  if (isClickPesaKitError(error)) return error;
  const code = errorCode(error) ?? '';
  if (code === '23505') {
    const constraint = (error as { constraint?: string }).constraint;
    return new StoreConflictError({
      cause: error,
      message: `A unique constraint was violated${constraint ? ` (${constraint})` : ''}`,
    });
  }
  if (code === '42P01' || code === '3F000') {
    return new ClickPesaKitError('CONFIG_INVALID', {
      cause: error,
      message: `The clickpesa-kit tables are missing in schema "${schema}": run migrate() or clickpesa-kit-postgres-migrate`,
    });
  }
  const message = error instanceof Error ? error.message : '';
  if (
    NETWORK_CODES.has(code) ||
    /^(08|53|57P|28|3D)/.test(code) ||
    UNREACHABLE_MESSAGES.some((text) => message.includes(text))
  ) {
    return new StoreUnavailableError({
      cause: error,
      message: `PostgreSQL is unavailable${code ? ` (${code})` : ''}`,
    });
  }
  return error;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = (error as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
