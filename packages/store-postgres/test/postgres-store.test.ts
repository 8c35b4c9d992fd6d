import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Logger } from '@clickpesa-kit/core';
import {
  createPostgresStore,
  migratePostgres,
  POSTGRES_MIGRATIONS,
  type PostgresStore,
} from '@clickpesa-kit/store-postgres';
import { makeAudit, makeEvent, makePayment, makeWebhookReceipt } from '@clickpesa-kit/store-tests';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, findTestDatabase, uniqueSchema } from './test-database.js';

const database = await findTestDatabase();
const suite = database.url === undefined ? describe.skip : describe;
const url = database.url ?? '';
const latest = POSTGRES_MIGRATIONS.at(-1)!.version;

suite(`PostgreSQL store${database.skipReason ? ` — ${database.skipReason}` : ''}`, () => {
  const schemas: string[] = [];
  const stores: PostgresStore[] = [];
  let admin: pg.Pool;

  const open = (options: Partial<Parameters<typeof createPostgresStore>[0]> = {}) => {
    const schema = options.schema ?? uniqueSchema();
    if (!schemas.includes(schema)) schemas.push(schema);
    const store = createPostgresStore({ connectionString: url, schema, ...options });
    stores.push(store);
    return store;
  };

  beforeAll(() => {
    admin = new pg.Pool({ connectionString: url, max: 2 });
    admin.on('error', () => {});
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(url, schema);
    await admin.end();
  });

  describe('migrations', () => {
    it('are versioned, applied once, and safe when several instances migrate at the same moment', async () => {
      const schema = uniqueSchema();
      const instances = [open({ schema }), open({ schema }), open({ schema })];
      const applied = await Promise.all(instances.map((store) => store.migrate()));
      expect(applied.flat()).toEqual(POSTGRES_MIGRATIONS.map((migration) => migration.version));
      expect(await instances[0]!.migrate()).toEqual([]);
      expect(await migratePostgres({ connectionString: url, schema })).toEqual([]);
      const { rows } = await admin.query(
        `SELECT version FROM "${schema}".schema_migrations ORDER BY version`,
      );
      expect(rows.map((row) => row.version)).toEqual(
        POSTGRES_MIGRATIONS.map((migration) => migration.version),
      );
    });

    it('an unmigrated schema answers CONFIG_INVALID naming the fix; migrate: true migrates on first use', async () => {
      const bare = open();
      await expect(bare.getPayment('x')).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('migrate'),
      });
      const auto = open({ migrate: true });
      const payment = makePayment();
      expect((await auto.createPayment({ payment })).kind).toBe('created');
      expect((await auto.getPayment(payment.id))?.id).toBe(payment.id);
    });

    it('refuses a schema newer than the package knows', async () => {
      const store = open();
      await store.migrate();
      await admin.query(
        `INSERT INTO "${store.schema}".schema_migrations (version, name) VALUES (${latest + 1}, 'future')`,
      );
      await expect(store.migrate()).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    });

    it('the CLI migrates DATABASE_URL (optionally --schema) and says when there is nothing to do', async () => {
      const schema = uniqueSchema();
      schemas.push(schema);
      const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
      const run = (env: NodeJS.ProcessEnv, args: string[]) =>
        promisify(execFile)(
          process.execPath,
          ['--conditions=@clickpesa-kit/source', '--import', 'tsx', cli, ...args],
          {
            env: { ...process.env, ...env },
          },
        );
      const first = await run({ DATABASE_URL: url }, ['--schema', schema]);
      // a new schema is stamped with every version
      const versions = POSTGRES_MIGRATIONS.map((migration) => migration.version);
      expect(first.stdout).toContain(
        `applied migration${versions.length > 1 ? 's' : ''} ${versions.join(', ')}.`,
      );
      const second = await run({ DATABASE_URL: url }, ['--schema', schema]);
      expect(second.stdout).toContain('up to date');
      const { rows } = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".payments`);
      expect(rows[0].n).toBe(0);
      await expect(run({ DATABASE_URL: '' }, [])).rejects.toMatchObject({ code: 2 });
    });
  });

  describe('clock', () => {
    it("leases and due times follow the database clock by default, whatever the caller's clock says (POLL-15)", async () => {
      const store = open();
      await store.migrate();
      const { rows } = await admin.query<{ now: Date }>('SELECT now() AS now');
      const dbNow = rows[0]!.now.getTime();
      const dueSoon = makePayment({ nextPollAt: new Date(dbNow + 60 * 60_000) });
      const dueNow = makePayment({ nextPollAt: new Date(dbNow - 1_000) });
      await store.createPayment({ payment: dueSoon });
      await store.createPayment({ payment: dueNow });

      // An instance whose clock runs 2 h fast claims only what is due by the database's clock...
      const fast = await store.claimDue({
        now: new Date(dbNow + 2 * 60 * 60_000),
        limit: 10,
        leaseMs: 30_000,
        owner: 'fast',
      });
      expect(fast.map((claim) => claim.payment.id)).toEqual([dueNow.id]);
      // ...and its lease runs on the database clock too, so a slow instance (clock 1 h behind) cannot take it.
      expect(Math.abs(fast[0]!.leaseUntil.getTime() - (dbNow + 30_000))).toBeLessThan(10_000);
      const slow = await store.claimDue({
        now: new Date(dbNow - 60 * 60_000),
        limit: 10,
        leaseMs: 30_000,
        owner: 'slow',
      });
      expect(slow).toEqual([]);

      const caller = open({ schema: store.schema, clock: 'caller' });
      // On the caller's clock (2 h fast) the first lease looks expired and the later payment looks due.
      const claimed = await caller.claimDue({
        now: new Date(dbNow + 2 * 60 * 60_000),
        limit: 10,
        leaseMs: 1,
        owner: 'c',
      });
      expect(claimed.map((claim) => claim.payment.id)).toEqual([dueNow.id, dueSoon.id]);
    });
  });

  describe('shared provider budget', () => {
    it('is one token bucket for all instances: 25 concurrent takes from 3 pools, capacity 10 → 10 granted', async () => {
      const first = open();
      await first.migrate();
      const instances = [first, open({ schema: first.schema }), open({ schema: first.schema })];
      const now = new Date();
      const waits = await Promise.all(
        Array.from({ length: 25 }, (_, i) => instances[i % 3]!.budget.take('query', 10, 60_000, now)),
      );
      expect(waits.filter((wait) => wait === 0)).toHaveLength(10);
      for (const wait of waits.filter((w) => w > 0)) expect(wait).toBeGreaterThan(0);
    });

    it('refills at capacity per interval on the caller clock, and says how long to wait', async () => {
      const store = open({ clock: 'caller' });
      await store.migrate();
      const t0 = new Date('2026-01-01T00:00:00.000Z');
      expect(await store.budget.take('initiate', 2, 1_000, t0)).toBe(0);
      expect(await store.budget.take('initiate', 2, 1_000, t0)).toBe(0);
      expect(await store.budget.take('initiate', 2, 1_000, t0)).toBe(500);
      expect(await store.budget.take('initiate', 2, 1_000, new Date(t0.getTime() + 250))).toBe(250);
      expect(await store.budget.take('initiate', 2, 1_000, new Date(t0.getTime() + 500))).toBe(0);
      expect(await store.budget.take('other', 2, 1_000, t0)).toBe(0);
    });
  });

  describe('failures', () => {
    it('retries serialization failures: 20 racing transitions under SERIALIZABLE, one applies, none throws (F-DB-2)', async () => {
      const base = open();
      await base.migrate();
      const pool = new pg.Pool({
        connectionString: url,
        max: 20,
        options: '-c default_transaction_isolation=serializable',
      });
      let retries = 0;
      const logger: Logger = {
        debug: (fields) => {
          if ('attempt' in fields) retries++;
        },
        info() {},
        warn() {},
        error() {},
      };
      const store = createPostgresStore({ pool, schema: base.schema, logger, retries: 30 });
      try {
        const payment = makePayment();
        await store.createPayment({ payment, events: [makeEvent('payment.created')] });
        // Open all 20 connections first, so the transitions really run at the same time.
        await Promise.all(Array.from({ length: 20 }, () => pool.query('SELECT pg_sleep(0.05)')));
        const results = await Promise.all(
          Array.from({ length: 20 }, () =>
            store.transition({
              paymentId: payment.id,
              expectedVersion: 1,
              changes: { status: 'processing' },
              events: [makeEvent('payment.processing')],
            }),
          ),
        );
        expect(results.filter((result) => result.applied)).toHaveLength(1);
        expect(
          results.filter((result) => !result.applied && result.reason === 'version_conflict'),
        ).toHaveLength(19);
        expect(await store.listEvents(payment.id)).toHaveLength(2);
        expect(retries).toBeGreaterThan(0);
      } finally {
        await store.close();
        await pool.end();
      }
    });

    it('an unreachable database is STORE_UNAVAILABLE, never a crash', async () => {
      const store = createPostgresStore({
        connectionString: 'postgres://postgres@127.0.0.1:1/test',
        connectionTimeoutMs: 1000,
      });
      await expect(store.ping()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      await expect(store.getPayment('x')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      await store.close();
      await expect(store.ping()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    });

    it('survives its connections being killed: the pool error is logged, the next operation reconnects', async () => {
      const warnings: string[] = [];
      const logger: Logger = {
        debug() {},
        info() {},
        warn: (_fields, msg) => warnings.push(msg ?? ''),
        error() {},
      };
      // Tagged, so only this store's connections are killed (other tests may share the database).
      const applicationName = uniqueSchema('cpk_kill');
      const separator = url.includes('?') ? '&' : '?';
      const store = open({
        logger,
        maxConnections: 3,
        connectionString: `${url}${separator}application_name=${applicationName}`,
      });
      await store.migrate();
      const payment = makePayment();
      await store.createPayment({ payment });
      await Promise.all([store.ping(), store.ping(), store.ping()]); // three idle connections in the pool

      const { rowCount } = await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [applicationName],
      );
      expect(rowCount).toBe(3);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(warnings.length).toBeGreaterThan(0);
      expect((await store.getPayment(payment.id))?.id).toBe(payment.id);
    });

    it('stores text PostgreSQL cannot hold (NUL in a webhook payload, a key, a message) with U+FFFD instead', async () => {
      const store = open();
      await store.migrate();
      const payment = makePayment({ customerName: 'Asha\u0000' });
      await store.createPayment({ payment });
      const receipt = makeWebhookReceipt({
        eventType: 'PAYMENT\u0000',
        payload: { 'k\u0000': ['v\u0000', 1] },
      });
      expect(await store.recordWebhookReceipt(receipt)).toEqual({ inserted: true });
      await store.appendAudit([makeAudit(payment.id, { data: { message: 'bad\u0000byte' } })]);
      const transition = await store.transition({
        paymentId: payment.id,
        expectedVersion: 1,
        changes: { errorMessage: 'x\u0000y' },
      });
      expect(transition.applied).toBe(true);

      const [stored] = await store.listWebhookReceipts({ orderReference: receipt.orderReference! });
      expect(stored?.eventType).toBe('PAYMENT\uFFFD');
      expect(stored?.payload).toEqual({ 'k\uFFFD': ['v\uFFFD', 1] });
      expect((await store.listAudit(payment.id))[0]?.data).toEqual({ message: 'bad\uFFFDbyte' });
      const reread = await store.getPayment(payment.id);
      expect([reread?.customerName, reread?.errorMessage]).toEqual(['Asha\uFFFD', 'x\uFFFDy']);
    });

    it('a duplicate order reference is STORE_CONFLICT and writes nothing of the failed creation', async () => {
      const store = open();
      await store.migrate();
      const first = makePayment();
      await store.createPayment({ payment: first });
      const clash = makePayment({ orderReference: first.orderReference });
      await expect(
        store.createPayment({ payment: clash, events: [makeEvent('payment.created')] }),
      ).rejects.toMatchObject({ code: 'STORE_CONFLICT' });
      expect(await store.getPayment(clash.id)).toBeNull();
      expect(await store.listEvents(clash.id)).toEqual([]);
    });
  });
});
