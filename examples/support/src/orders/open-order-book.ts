import type { Logger } from '@clickpesa-kit/core';
import type { DatabaseChoice } from '../config.js';
import { describePgError } from '../payment-store.js';
import { StartupError } from '../startup-error.js';
import type { OrderBook } from './order-book.js';
import { openPostgresOrderBook } from './postgres-order-book.js';
import { openSqliteOrderBook } from './sqlite-order-book.js';

/**
 * Opens the shop's orders in the database the payments use (open the payment store first: it creates the
 * SQLite file's directory and proves the server answers). Creates the shop's tables if they are missing.
 */
export async function openOrderBook(database: DatabaseChoice, logger: Logger): Promise<OrderBook> {
  if (database.kind === 'sqlite') {
    try {
      return openSqliteOrderBook(database.filename);
    } catch (error) {
      throw new StartupError(
        `Cannot create the shop's tables in the SQLite database (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }
  try {
    return await openPostgresOrderBook(database.connectionString, {
      onError: (error) => logger.warn({ error: describePgError(error) }, 'order book connection lost'),
    });
  } catch (error) {
    throw new StartupError(
      `Cannot create the shop's tables in the PostgreSQL database at ${database.where} (${describePgError(error)}): ` +
        'check that DATABASE_URL may create tables',
    );
  }
}
