import { createPostgresStore, type PostgresStore } from '@clickpesa-kit/store-postgres';
import { runStoreConformanceTests } from '@clickpesa-kit/store-tests';
import pg from 'pg';
import { afterAll, describe, it } from 'vitest';
import { dropSchema, findTestDatabase, uniqueSchema } from './test-database.js';

const database = await findTestDatabase();

if (database.url === undefined) {
  describe.skip(`PaymentStore conformance: postgres — ${database.skipReason}`, () => {
    it.skip(database.skipReason, () => {});
  });
} else {
  const url = database.url;
  // This run's own schema, migrated once and emptied before each test (DDL per test would cost ~0.4 s).
  const schema = uniqueSchema();
  const admin = new pg.Pool({ connectionString: url, max: 1 });
  admin.on('error', () => {});
  let migrated: Promise<unknown> | undefined;
  afterAll(async () => {
    await admin.end();
    await dropSchema(url, schema);
  });

  // The suite's fake clocks need the caller's clock. The peer is a second pool on the same schema.
  // Commits skip the WAL flush wait (7 ms per fsync here): the suite tests atomicity, not server-crash durability.
  const fastUrl = `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent('-c synchronous_commit=off')}`;
  const open = () =>
    createPostgresStore({ connectionString: fastUrl, schema, clock: 'caller', maxConnections: 20 });
  runStoreConformanceTests({
    name: 'postgres',
    capabilities: { sharedBudget: true, pruneBuckets: true },
    createStore: async () => {
      const store: PostgresStore = open();
      migrated ??= store.migrate();
      await migrated;
      await admin.query(
        [
          'event_deliveries',
          'payment_events',
          'payment_references',
          'audit_log',
          'idempotency_keys',
          'webhook_receipts',
          'provider_budget',
          'payments',
        ]
          .map((table) => `DELETE FROM "${schema}".${table};`)
          .join(' '),
      );
      return store;
    },
    createPeer: () => open(),
  });
}
