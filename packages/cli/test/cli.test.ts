import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ClickPesaPayments,
  createClickPesaPayments,
  generateOrderReference,
  type PaymentRecord,
  type PaymentStore,
} from '@clickpesa-kit/core';
import { type Sandbox, startSandbox } from '@clickpesa-kit/sandbox';
import { createPostgresStore } from '@clickpesa-kit/store-postgres';
import { createSqliteStore } from '@clickpesa-kit/store-sqlite';
import { makePayment } from '@clickpesa-kit/store-tests';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The built `clickpesa-kit` CLI as a child process, against a real SQLite file and the real PostgreSQL, with
 * payments made through the kit and the sandbox over real HTTP. Sentinel credentials must never be printed.
 */

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(packageDir, 'dist/cli.js');
const SECRETS = { clientId: 'SENTINEL_CLI_CLIENT_7f3a', apiKey: 'SENTINEL_CLI_API_KEY_c91d' } as const;
const allOutput: string[] = [];

beforeAll(() => {
  // the CLI and what it imports, built as they ship (cached by turbo when nothing changed)
  execFileSync(
    'pnpm',
    ['exec', 'turbo', 'run', 'build', '--filter=@clickpesa-kit/cli...', '--output-logs=errors-only'],
    {
      cwd: packageDir,
      stdio: 'ignore',
    },
  );
}, 240_000);

afterAll(() => {
  for (const secret of Object.values(SECRETS))
    for (const text of allOutput) expect(text).not.toContain(secret);
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        allOutput.push(stdout, stderr);
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

interface StoreUnderTest {
  name: string;
  skip?: string;
  open(): PaymentStore;
  env: Record<string, string>;
  cleanUp(): Promise<void>;
}

const tmp = mkdtempSync(join(tmpdir(), 'cpk-cli-'));
const sqliteFile = join(tmp, 'payments.db');
const pgUrl = process.env.CLICKPESA_TEST_DATABASE_URL;
const pgSchema = `cpk_cli_${process.pid}_${randomBytes(3).toString('hex')}`;

const STORES: StoreUnderTest[] = [
  {
    name: 'SQLite',
    open: () => createSqliteStore({ filename: sqliteFile }),
    env: { CLICKPESA_SQLITE_FILE: sqliteFile },
    cleanUp: async () => rmSync(tmp, { recursive: true, force: true }),
  },
  {
    name: 'PostgreSQL',
    ...(pgUrl ? {} : { skip: 'CLICKPESA_TEST_DATABASE_URL is not set' }),
    open: () => createPostgresStore({ connectionString: pgUrl ?? '', schema: pgSchema, migrate: true }),
    env: { DATABASE_URL: pgUrl ?? '', CLICKPESA_PG_SCHEMA: pgSchema },
    cleanUp: async () => {
      const store = createPostgresStore({ connectionString: pgUrl ?? '', schema: pgSchema });
      await store.pool.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
      await store.close();
    },
  },
];

let phoneSeq = 0;
const phone = (lastDigit: number) => `2557${String(10_007_000 + ++phoneSeq * 10 + lastDigit).slice(-8)}`;

for (const target of STORES) {
  describe.skipIf(target.skip !== undefined)(`clickpesa-kit against ${target.name}`, () => {
    let sandbox: Sandbox;
    let store: PaymentStore;
    let kit: ClickPesaPayments;
    let env: Record<string, string>;
    let stuck: PaymentRecord;
    let fresh: PaymentRecord;
    let paid: PaymentRecord;
    let settledElsewhere: PaymentRecord;
    let deadEventId: string;
    let missing: string;

    const push = async (lastDigit: number): Promise<PaymentRecord> => {
      const result = await kit.service.initiate('ops', {
        amount: 1000,
        currency: 'TZS',
        msisdn: phone(lastDigit),
        customer_name: 'CLI Test',
      });
      expect(result.outcome).toBe('accepted');
      return result.payment;
    };

    beforeAll(async () => {
      sandbox = await startSandbox({ ...SECRETS, approveDelayMs: 60_000, webhookRetryDelaysMs: [] });
      store = target.open();
      await store.ping();
      kit = createClickPesaPayments({
        store,
        authenticate: () => null,
        clickpesa: { baseUrl: sandbox.url, ...SECRETS, env: {} },
        poller: false,
        dispatcher: false,
        retention: false,
        rateLimits: false,
        statusRefreshMs: 0,
      });
      // processing for 20 minutes: what `--older-than 10m` is for (written as the app would have, back then)
      const longAgo = new Date(Date.now() - 20 * 60_000);
      stuck = makePayment({
        ownerId: 'ops',
        status: 'processing',
        createdAt: longAgo,
        updatedAt: longAgo,
        attemptStartedAt: longAgo,
      });
      await store.createPayment({ payment: stuck });
      fresh = await push(7);
      paid = await push(0);
      sandbox.approve(paid.orderReference);
      // a status read without a poller waits at most 0.5 s for ClickPesa: read until the answer is in
      for (let tries = 0; paid.status !== 'success' && tries < 50; tries++) {
        paid = (await kit.service.refreshStatus('ops', paid.id)).payment;
        if (paid.status !== 'success') await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(paid.status).toBe('success');
      // open here, paid at ClickPesa: the safe correction `reconcile --apply` makes
      settledElsewhere = await push(7);
      sandbox.setStatus(settledElsewhere.orderReference, 'SUCCESS');
      missing = generateOrderReference();
      sandbox.seedPayment({ orderReference: missing, amount: '4200', status: 'SUCCESS' });
      // one handlers delivery given up on: a dead letter
      const [claimed] = await store.claimEventDeliveries({
        consumer: 'handlers',
        now: new Date(Date.now() + 1000),
        limit: 1,
        leaseMs: 30_000,
        owner: 'cli-test',
      });
      expect(claimed).toBeDefined();
      deadEventId = claimed!.event.id;
      expect(
        await store.failEventDelivery({
          consumer: 'handlers',
          eventId: deadEventId,
          leaseToken: claimed!.leaseToken,
          now: new Date(),
          error: 'fulfilment service answered 500',
          retryAt: null,
        }),
      ).toBe(true);
      env = {
        ...target.env,
        CLICKPESA_BASE_URL: sandbox.url,
        CLICKPESA_CLIENT_ID: SECRETS.clientId,
        CLICKPESA_API_KEY: SECRETS.apiKey,
      };
    }, 60_000);

    afterAll(async () => {
      await kit?.close();
      await store?.close();
      await sandbox?.close();
      await target.cleanUp();
    });

    it('payments list --status processing --older-than 10m: only the stuck one, exit 1; a table for people', async () => {
      const json = await cli(
        ['payments', 'list', '--status', 'processing', '--older-than', '10m', '--json'],
        env,
      );
      expect(json.code, json.stderr).toBe(1);
      const listed = JSON.parse(json.stdout) as { id: string; status: string; msisdn: string }[];
      expect(listed.map((payment) => payment.id)).toEqual([stuck.id]);
      expect(listed[0]?.msisdn).not.toBe(stuck.msisdn);
      expect(listed[0]?.msisdn).toMatch(/^2557\*+\d\d$/);

      const table = await cli(['payments', 'list', '--status', 'processing', '--older-than', '10m'], env);
      expect(table.code).toBe(1);
      expect(table.stdout).toMatch(/^ID\s+REFERENCE\s+STATUS/);
      expect(table.stdout).toContain(stuck.id);
      expect(table.stdout).toContain('20m');
      expect(table.stdout).not.toContain(fresh.id);

      const all = await cli(['payments', 'list', '--status', 'processing', '--json'], env);
      expect(all.code).toBe(0);
      const ids = (JSON.parse(all.stdout) as { id: string }[]).map((payment) => payment.id);
      expect(ids).toEqual([settledElsewhere.id, fresh.id, stuck.id]);
      expect((await cli(['payments', 'list', '--limit', '1', '--json'], env)).stdout).toContain(
        settledElsewhere.id,
      );
    });

    it('payments show <id|reference>: the payment, its events in order and its audit trail', async () => {
      const json = await cli(['payments', 'show', paid.id, '--json'], env);
      expect(json.code, json.stderr).toBe(0);
      const shown = JSON.parse(json.stdout) as {
        payment: { id: string; status: string };
        events: { seq: number; type: string }[];
        audit: { kind: string; data: { endpoint?: string } }[];
      };
      expect(shown.payment).toMatchObject({ id: paid.id, status: 'success' });
      expect(shown.events.map((event) => event.seq)).toEqual(shown.events.map((_, index) => index + 1));
      expect(shown.events.map((event) => event.type)).toEqual(
        expect.arrayContaining(['payment.created', 'payment.succeeded']),
      );
      expect(
        shown.audit.filter((entry) => entry.kind === 'provider_request').map((e) => e.data.endpoint),
      ).toEqual(['initiate', 'query']);

      const table = await cli(['payments', 'show', paid.orderReference], env);
      expect(table.code).toBe(0);
      expect(table.stdout).toContain(`id                  ${paid.id}`);
      expect(table.stdout).toMatch(/Events \(\d+\)/);
      expect(table.stdout).toContain('processing → success');
      expect(table.stdout).toMatch(/Audit trail \(\d+\)/);
      expect(table.stdout).not.toContain(paid.msisdn);

      const unknown = await cli(['payments', 'show', 'PAY000000000000'], env);
      expect(unknown.code).toBe(1);
      expect(unknown.stdout).toContain('No payment with id or order reference PAY000000000000');
    });

    it('events dead-letters lists the dead delivery (exit 1); replay makes it pending again (exit 0, then 1)', async () => {
      const dead = await cli(['events', 'dead-letters', '--json'], env);
      expect(dead.code, dead.stderr).toBe(1);
      const letters = JSON.parse(dead.stdout) as { eventId: string; consumer: string; lastError: string }[];
      expect(letters).toEqual([
        expect.objectContaining({
          eventId: deadEventId,
          consumer: 'handlers',
          lastError: 'fulfilment service answered 500',
        }),
      ]);
      const table = await cli(['events', 'dead-letters'], env);
      expect(table.stdout).toContain(deadEventId);
      expect(table.stdout).toContain('1 dead letter(s)');

      const replay = await cli(['events', 'replay', deadEventId], env);
      expect(replay.code, replay.stderr).toBe(0);
      expect(replay.stdout).toContain(`Replaying event ${deadEventId} for handlers`);
      expect(await store.listDeadDeliveries({ limit: 10 })).toEqual([]);
      const none = await cli(['events', 'dead-letters'], env);
      expect(none.code).toBe(0);
      expect(none.stdout).toContain('No dead letters.');
      const again = await cli(['events', 'replay', deadEventId, '--json'], env);
      expect(again.code).toBe(1);
      expect(JSON.parse(again.stdout)).toEqual({ eventId: deadEventId, replayed: [] });
    });

    it('reconcile --since 1h finds each mismatch (exit 1) and writes JSON and Markdown; --apply corrects the open one', async () => {
      const out = join(tmp, `reports-${target.name}`);
      const listCalls = sandbox.count('list');
      const report = await cli(
        ['reconcile', '--since', '1h', '--out', out, '--page-size', '2', '--json'],
        env,
      );
      expect(report.code, report.stderr).toBe(1);
      const parsed = JSON.parse(report.stdout) as {
        counts: Record<string, number>;
        pages: number;
        mismatches: { kind: string; orderReference: string; correction: string }[];
        files: { json: string; markdown: string };
      };
      expect(parsed.counts).toEqual({
        missing_locally: 1,
        status_differs: 1,
        amount_differs: 0,
        corrected: 0,
      });
      expect(parsed.mismatches.map((m) => [m.kind, m.orderReference, m.correction]).sort()).toEqual(
        [
          ['missing_locally', missing, 'none'],
          ['status_differs', settledElsewhere.orderReference, 'not_requested'],
        ].sort(),
      );
      expect(sandbox.count('list') - listCalls, JSON.stringify(parsed)).toBe(parsed.pages);
      expect(parsed.pages).toBe(2);
      expect(JSON.parse(readFileSync(parsed.files.json, 'utf8')).counts).toEqual(parsed.counts);
      expect(readFileSync(parsed.files.markdown, 'utf8')).toContain(`| ${missing} | - |`);
      expect((await store.getPayment(settledElsewhere.id))?.status).toBe('processing');

      const applied = await cli(['reconcile', '--since', '1h', '--out', out, '--apply'], env);
      expect(applied.code, applied.stderr).toBe(1);
      expect(applied.stdout).toMatch(/AGREE\s+MISSING HERE\s+STATE DIFFERS\s+AMOUNT DIFFERS\s+CORRECTED/);
      expect(applied.stdout).toContain('applied → success');
      expect(applied.stdout).toContain('Report: ');
      expect((await store.getPayment(settledElsewhere.id))?.status).toBe('success');
      expect((await store.getPayment(paid.id))?.status).toBe('success');
      const events = await store.listEvents(settledElsewhere.id);
      expect(
        events.find((event) => event.type === 'payment.status_changed' && event.data.to === 'success')?.data
          .source,
      ).toBe('reconcile');
      // no progress bar without a terminal: stderr stays empty
      expect(applied.stderr).toBe('');
      expect(existsSync(out)).toBe(true);
    });

    it('usage mistakes exit 2 and change nothing; credentials missing for reconcile exit 2', async () => {
      for (const args of [
        ['payments', 'frobnicate'],
        ['payments', 'list', '--status', 'stuck'],
        ['payments', 'list', '--older-than', 'ten minutes'],
        ['payments', 'list', '--bogus'],
        ['reconcile'],
        [],
      ]) {
        const run = await cli(args, env);
        expect(run.code, args.join(' ')).toBe(2);
      }
      const noCredentials = await cli(['reconcile', '--since', '1h'], target.env);
      expect(noCredentials.code).toBe(2);
      expect(noCredentials.stderr).toContain('CLICKPESA_CLIENT_ID and CLICKPESA_API_KEY');
    });

    it('ClickPesa unreachable exits 3 without printing a secret', async () => {
      const down = await cli(['reconcile', '--since', '1h', '--out', join(tmp, 'down')], {
        ...env,
        CLICKPESA_BASE_URL: 'http://127.0.0.1:1',
      });
      expect(down.code).toBe(3);
      expect(down.stderr).toMatch(/PROVIDER_/);
    });
  });
}

describe('clickpesa-kit with an unreachable store', () => {
  it('exits 3 and never prints the database password', async () => {
    const run = await cli(['payments', 'list'], {
      DATABASE_URL: 'postgres://ops:hunter2secret@127.0.0.1:1/payments',
    });
    expect(run.code).toBe(3);
    expect(`${run.stdout}${run.stderr}`).not.toContain('hunter2secret');
    const missingFile = await cli(['payments', 'list', '--sqlite', join(tmp, 'nope.db')], {});
    expect(missingFile.code).toBe(2);
  });
});
