import { PAYMENT_SNAPSHOT } from '@clickpesa-kit/core/store';
import { makePayment } from '@clickpesa-kit/store-tests';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateWith } from '../src/migrate.js';
import { createPostgresStore, type PostgresStore } from '../src/postgres-store.js';
import { MIGRATIONS } from '../src/schema.js';
import { dropSchema, findTestDatabase, uniqueSchema } from './test-database.js';

const database = await findTestDatabase();
const suite = database.url === undefined ? describe.skip : describe;

suite('PostgreSQL migration to orders (version 3)', () => {
  let pool: pg.Pool;
  const schemas: string[] = [];
  const stores: PostgresStore[] = [];

  beforeAll(() => {
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    pool.on('error', () => {});
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    for (const schema of schemas) await dropSchema(database.url!, schema);
    await pool.end();
  });

  /** A version 2 schema holding `payments`, written as rows (what an existing database has). */
  async function versionTwoSchema(payments: ReturnType<typeof makePayment>[]): Promise<string> {
    const schema = uniqueSchema();
    schemas.push(schema);
    await migrateWith(pool, schema, MIGRATIONS.slice(0, 2));
    for (const payment of payments) {
      const row = { ...PAYMENT_SNAPSHOT.toRow(payment), last_event_seq: 0, lease_token: 0 };
      await pool.query(
        `INSERT INTO "${schema}".payments SELECT * FROM jsonb_populate_record(NULL::"${schema}".payments, $1::jsonb)`,
        [JSON.stringify(row)],
      );
    }
    return schema;
  }

  it('keeps the payments, lists them by owner and order, and the index refuses a second active payment of an order', async () => {
    const base = Date.UTC(2026, 0, 5, 10);
    const order = { ownerId: 'owner-1', externalOrderId: 'order-9' };
    const failed = makePayment({ ...order, status: 'failed', createdAt: new Date(base) });
    const open = makePayment({ ...order, status: 'pending', createdAt: new Date(base + 1000) });
    const schema = await versionTwoSchema([failed, open]);

    const store = createPostgresStore({ connectionString: database.url, schema, clock: 'caller' });
    stores.push(store);
    expect(await store.migrate()).toEqual([3]);
    const listed = await store.listPayments({ ...order, limit: 10 });
    expect(listed.map((payment) => payment.id)).toEqual([open.id, failed.id]);
    expect(await store.createPayment({ payment: makePayment(order) })).toEqual({
      kind: 'order_busy',
      paymentId: open.id,
    });
    // the constraint itself, below the store's own check
    await expect(
      pool.query(`UPDATE "${schema}".payments SET status = 'pending' WHERE id = $1`, [failed.id]),
    ).rejects.toMatchObject({ code: '23505', constraint: 'payments_active_order' });
  });

  it('a schema already holding two active payments of one order fails the migration and stays at version 2', async () => {
    const order = { ownerId: 'owner-2', externalOrderId: 'order-dup' };
    const schema = await versionTwoSchema([
      makePayment({ ...order, status: 'pending' }),
      makePayment({ ...order, status: 'success' }),
    ]);
    const store = createPostgresStore({ connectionString: database.url, schema, clock: 'caller' });
    stores.push(store);
    await expect(store.migrate()).rejects.toBeDefined();
    const { rows } = await pool.query(`SELECT MAX(version) AS v FROM "${schema}".schema_migrations`);
    expect(rows[0].v).toBe(2);
  });
});
