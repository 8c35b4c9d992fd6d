import type pg from 'pg';
import { postgresValue } from './postgres-text.js';

export interface Transaction {
  query<Row extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<Row>>;
  /** Ends the transaction with ROLLBACK instead of COMMIT (an outcome that must leave nothing written). */
  rollbackOnly(): void;
}

/**
 * BEGIN … COMMIT on one pooled client, ROLLBACK on error. A client whose ROLLBACK fails is destroyed rather
 * than returned to the pool. `onError` hears connection failures while the client is checked out (pg emits
 * them on the client, not on the pool; unheard, they would crash the process).
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  body: (tx: Transaction) => Promise<T>,
  onError: (error: Error) => void = () => {},
): Promise<T> {
  const client = await pool.connect();
  client.on('error', onError);
  let rollbackOnly = false;
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await body({
      query: (text, values) => client.query(text, values?.map(postgresValue)),
      rollbackOnly: () => {
        rollbackOnly = true;
      },
    });
    await client.query(rollbackOnly ? 'ROLLBACK' : 'COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
