import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PaymentStore } from '@clickpesa-kit/core';
import { type Sandbox, startSandbox } from '@clickpesa-kit/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The built stores, by path: this package tests the adapters and takes no store dependency of its own.
import { createPostgresStore } from '../../store-postgres/dist/index.js';
import { createSqliteStore } from '../../store-sqlite/dist/index.js';
import { startExpressHost } from './support/express-host.js';
import type { RunningHost } from './support/host-conventions.js';

const DATABASE_URL = process.env.CLICKPESA_TEST_DATABASE_URL;

interface SharedStores {
  name: string;
  /** Two stores over the same database, as two app instances would open it. */
  open(): Promise<[PaymentStore, PaymentStore]>;
  cleanUp(): Promise<void>;
}

const sqlite = (): SharedStores => {
  const dir = mkdtempSync(join(tmpdir(), 'limits-'));
  const filename = join(dir, 'payments.db');
  return {
    name: 'sqlite',
    open: async () => [createSqliteStore({ filename }), createSqliteStore({ filename })],
    cleanUp: async () => rmSync(dir, { recursive: true, force: true }),
  };
};

const postgres = (): SharedStores => {
  const schema = `limits_${process.pid}`;
  let first: ReturnType<typeof createPostgresStore> | undefined;
  return {
    name: 'postgres',
    open: async () => {
      first = createPostgresStore({ connectionString: DATABASE_URL!, schema, migrate: true });
      await first.migrate();
      return [first, createPostgresStore({ connectionString: DATABASE_URL!, schema })];
    },
    cleanUp: async () => {
      const cleaner = createPostgresStore({ connectionString: DATABASE_URL!, schema });
      await cleaner.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await cleaner.close();
    },
  };
};

/** A fresh database per suite: SQLite always, PostgreSQL when CLICKPESA_TEST_DATABASE_URL is set. */
const databases = (): SharedStores[] => [sqlite(), ...(DATABASE_URL ? [postgres()] : [])];

describe.each(databases())('push limits shared by two instances over one $name database', (variant) => {
  let sandbox: Sandbox;
  let stores: [PaymentStore, PaymentStore];
  let hosts: RunningHost[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ approveDelayMs: 60_000 });
    stores = await variant.open();
    hosts = await Promise.all(
      stores.map((store) =>
        startExpressHost({
          mount: '/',
          hostParser: false,
          options: {
            store,
            clickpesa: { clientId: sandbox.clientId, apiKey: sandbox.apiKey, baseUrl: sandbox.url },
            poller: false,
            budget: false,
            exclusivePushPerMsisdn: false,
          },
        }),
      ),
    );
  });
  afterAll(async () => {
    await Promise.all(hosts.map((host) => host.close()));
    await Promise.all(stores.map((store) => store.close()));
    await variant.cleanUp();
    await sandbox.close();
  });

  it('lets 3 prompts to one phone through in total, whichever instance takes the request', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const host = hosts[i % 2]!;
      const answer = await fetch(`${host.base}/payments`, {
        method: 'POST',
        headers: { authorization: 'Bearer alice-token', 'content-type': 'application/json' },
        body: JSON.stringify({
          amount: 1500,
          currency: 'TZS',
          msisdn: '255759000057',
          customer_name: 'Asha',
        }),
      });
      statuses.push(answer.status);
      await answer.arrayBuffer();
    }
    expect(statuses.filter((status) => status === 201)).toHaveLength(3);
    expect(statuses.filter((status) => status === 429)).toHaveLength(7);
    expect(sandbox.requests.filter((entry) => entry.endpoint === 'initiate')).toHaveLength(3);
  });
});

describe.each(databases())('forged webhooks without a checksum key on a $name database', (variant) => {
  let sandbox: Sandbox;
  let store: PaymentStore;
  let host: RunningHost;

  beforeAll(async () => {
    sandbox = await startSandbox({ approveDelayMs: 60_000 });
    [store] = await variant.open();
    host = await startExpressHost({
      mount: '/',
      hostParser: false,
      options: {
        store,
        // no checksum key: every webhook is unverified (allowed, with a warning, in live mode)
        clickpesa: { clientId: sandbox.clientId, apiKey: sandbox.apiKey, baseUrl: sandbox.url },
        poller: false,
        budget: false,
        webhookRateLimit: false,
      },
    });
  });
  afterAll(async () => {
    await host.close();
    await store.close();
    await variant.cleanUp();
    await sandbox.close();
  });

  it('keeps 2,000 distinct forged bodies for one payment to a few summary receipts and audit rows', async () => {
    const created = await fetch(`${host.base}/payments`, {
      method: 'POST',
      headers: { authorization: 'Bearer alice-token', 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 1500, currency: 'TZS', msisdn: '255759000067', customer_name: 'Asha' }),
    });
    expect(created.status).toBe(201);
    const { data } = (await created.json()) as { data: { id: string; reference: string } };
    const queriesBefore = sandbox.requests.filter((entry) => entry.endpoint === 'query').length;
    const auditBefore = (await store.listAudit(data.id)).length;

    const statuses = ['SUCCESS', 'FAILED', 'SETTLED', 'REVERSED', 'PROCESSING', 'MADE-UP'];
    const started = Date.now();
    for (let batch = 0; batch < 40; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) => {
          const n = batch * 50 + i;
          const body = {
            event: `FORGED ${n}`,
            data: {
              orderReference: data.reference,
              status: statuses[n % statuses.length],
              filler: 'x'.repeat(500) + n,
            },
          };
          return fetch(`${host.base}/callback`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
        }),
      );
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        await answer.arrayBuffer();
      }
    }
    const elapsedMs = Date.now() - started;

    const receipts = await store.listWebhookReceipts({ orderReference: data.reference });
    expect(receipts.length).toBeGreaterThan(0);
    expect(receipts.length).toBeLessThanOrEqual(statuses.length);
    expect(receipts.every((receipt) => !JSON.stringify(receipt.payload).includes('filler'))).toBe(true);
    const audit = (await store.listAudit(data.id)).slice(auditBefore);
    expect(audit.filter((entry) => entry.kind === 'webhook').length).toBeLessThanOrEqual(statuses.length);
    // confirming queries: one per status class, then at most one per statusRefreshMs (2 s)
    const queries = sandbox.requests.filter((entry) => entry.endpoint === 'query').length - queriesBefore;
    expect(queries).toBeLessThanOrEqual(statuses.length + Math.ceil(elapsedMs / 2_000) + 1);
    // forgeries for unknown references are not stored at all
    const orphan = await fetch(`${host.base}/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'X', data: { orderReference: 'INVENTED0001', status: 'SUCCESS' } }),
    });
    expect(orphan.status).toBe(200);
    expect(await store.listWebhookReceipts({ orderReference: 'INVENTED0001' })).toHaveLength(0);
  });
});
