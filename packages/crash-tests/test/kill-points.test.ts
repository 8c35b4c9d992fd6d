/**
 * kill -9 at every point of a payment's life, on SQLite and on PostgreSQL, with the sandbox in the loop.
 * A first process starts payments and dies at the point under test; a second one, on the same database,
 * finishes what is there. Then: every payment is final and agrees with the sandbox, no push was sent twice,
 * and every `payment.succeeded` event's side effect happened exactly once (its handler may have run twice:
 * delivery is at least once, the side effect is keyed by the event id).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type Sandbox, startSandbox } from '@clickpesa-kit/sandbox';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseChoice, openLedger } from './fixtures/ledger.js';
import { type KillPoint, SHOP_CONFIG_VARIABLE, type ShopConfig } from './fixtures/shop-config.js';

const SHOP_PROCESS = fileURLToPath(new URL('./fixtures/shop-process.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'cpk-kill-points-'));
const postgresUrl = await reachablePostgres();

/** Four approving numbers (last digit 0–4 approves in the sandbox), distinct per run. */
const phones = (run: number) => [1, 2, 3, 4].map((n) => `2557120${String(run).padStart(4, '0')}${n}`);

const EVENT_POINTS: KillPoint[] = ['after-success-commit', 'in-handler', 'before-delivered-mark'];
const INITIATE_POINTS: KillPoint[] = ['after-write-ahead', 'after-push-sent', 'after-push-recorded'];

let sandbox: Sandbox;
let run = 0;

beforeAll(async () => {
  sandbox = await startSandbox({ approveDelayMs: 200 });
});
afterAll(async () => {
  await sandbox?.close();
  rmSync(root, { recursive: true, force: true });
});

const databases: Array<[string, () => DatabaseChoice]> = [
  ['SQLite', () => ({ kind: 'sqlite', filename: join(root, `shop-${++run}.db`) })],
];
if (postgresUrl) {
  databases.push([
    'PostgreSQL',
    () => ({
      kind: 'postgres',
      url: postgresUrl,
      schema: `cpk_kill_${++run}_${randomBytes(3).toString('hex')}`,
    }),
  ]);
}

describe.each(databases)('kill -9 on %s', (_name, makeDatabase) => {
  it.each([...EVENT_POINTS, ...INITIATE_POINTS])(
    'killed at %s: after a restart every payment is final and true, one push each, each fulfilment once',
    async (killAt) => {
      const database = makeDatabase();
      const numbers = phones(run);
      try {
        const first = await runShop({ database, killAt, pay: numbers });
        expect(first.killedAt, 'the first process reached the kill point').toBe(killAt);

        const second = await runShop({ database, killAt: null, pay: [] }, { untilSettled: database });
        expect(second.killedAt).toBeNull();
        await expectConsistent(database, numbers.length, killAt);
      } finally {
        if (database.kind === 'postgres') await dropSchema(database);
      }
    },
    120_000,
  );
});

interface ShopRun {
  killedAt: string | null;
  started: string[];
}

/** Runs one shop process until it kills itself, or (with `untilSettled`) until the database is settled. */
async function runShop(
  options: Omit<ShopConfig, 'sandbox'>,
  { untilSettled }: { untilSettled?: DatabaseChoice } = {},
): Promise<ShopRun> {
  const config: ShopConfig = {
    ...options,
    sandbox: { url: sandbox.url, clientId: sandbox.clientId, apiKey: sandbox.apiKey },
  };
  const child = spawn(
    process.execPath,
    ['--conditions=@clickpesa-kit/source', '--import', 'tsx', SHOP_PROCESS],
    {
      cwd: PACKAGE_DIR,
      env: { ...process.env, [SHOP_CONFIG_VARIABLE]: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-10_000);
  });
  const result: ShopRun = { killedAt: null, started: [] };
  let ready = false;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith('killing at ')) result.killedAt = line.slice('killing at '.length);
    if (line.startsWith('paid ')) result.started.push(line.slice('paid '.length));
    if (line === 'ready') ready = true;
  });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));

  if (options.killAt) {
    // it dies on its own; a process that never reaches its kill point is a test failure, not a hang
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(timer);
    if (child.signalCode !== 'SIGKILL')
      throw new Error(`shop process exited (${child.exitCode}):\n${stderr}`);
    return result;
  }
  try {
    await waitFor(
      () => ready,
      30_000,
      () => `never ready:\n${stderr}`,
    );
    if (untilSettled) await waitUntilSettled(untilSettled, () => stderr);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  return result;
}

/** Every payment final and every fulfilment made (the second process's poller and dispatcher did the rest). */
async function waitUntilSettled(database: DatabaseChoice, stderr: () => string): Promise<void> {
  const ledger = await openLedger(database);
  try {
    await waitFor(
      async () => {
        const rows = await ledger.payments();
        const succeeded = rows.filter((row) => row.status === 'success').length;
        const final = rows.every((row) => row.status === 'success' || row.status === 'failed');
        if (!final || (await ledger.fulfilments()).length !== succeeded) return false;
        // and the outbox drained: a delivery the kill interrupted is made again once its lease expired
        return (await ledger.undelivered()) === 0;
      },
      90_000,
      () => `did not settle:\n${stderr()}`,
    );
  } finally {
    await ledger.close();
  }
}

async function expectConsistent(database: DatabaseChoice, started: number, killAt: KillPoint): Promise<void> {
  const ledger = await openLedger(database);
  try {
    const rows = await ledger.payments();
    // the kill may land before the later payments were even created; never more than were asked for
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThanOrEqual(started);
    for (const row of rows) {
      const reference = row.orderReferences.at(-1)!;
      const pushes = sandbox.count('initiate', reference);
      expect(pushes, `pushes for ${reference}`).toBeLessThanOrEqual(1);
      const truth = sandbox.getPayment(reference)?.status;
      // our status is the sandbox's: a push never sent (or never recorded and never found) is failed
      expect(row.status, `payment ${row.id}, sandbox ${truth ?? 'no record'}`).toBe(
        truth === 'SUCCESS' ? 'success' : 'failed',
      );
    }
    const fulfilments = await ledger.fulfilments();
    const paid = rows.filter((row) => row.status === 'success').map((row) => row.id);
    // each paid payment fulfilled exactly once (one succeeded event each, one fulfilment per event)
    expect(fulfilments.map((entry) => entry.paymentId).sort()).toEqual(paid.sort());
    if (killAt === 'in-handler' || killAt === 'before-delivered-mark') {
      // the killed delivery really was made again, and changed nothing the second time
      const calls = await ledger.calls();
      expect(Math.max(...calls.values())).toBeGreaterThanOrEqual(2);
    }
    if (killAt !== 'after-write-ahead') expect(paid.length).toBeGreaterThan(0);
  } finally {
    await ledger.close();
  }
}

async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  describe: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(describe());
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function reachablePostgres(): Promise<string | undefined> {
  const url = process.env.CLICKPESA_TEST_DATABASE_URL;
  const inCi = process.env.CI === 'true';
  if (!url) {
    const message = 'CLICKPESA_TEST_DATABASE_URL is not set: the PostgreSQL kill-point tests are SKIPPED';
    if (inCi) throw new Error(`${message} (required in CI)`);
    console.warn(`[crash-tests] ${message}`);
    return undefined;
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return url;
  } catch (error) {
    if (inCi) throw error;
    console.warn(
      `[crash-tests] PostgreSQL unreachable (${(error as Error).message}): its kill-point tests are SKIPPED`,
    );
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

async function dropSchema(database: { url: string; schema: string }): Promise<void> {
  const client = new pg.Client({ connectionString: database.url });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${database.schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
