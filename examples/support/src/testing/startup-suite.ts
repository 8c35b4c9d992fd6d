import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '@clickpesa-kit/sandbox';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnServer } from './server-process.js';
import { eventually } from './test-shop.js';

const isRoot = process.getuid?.() === 0;

/**
 * `src/server.ts` as a person runs it: a malformed environment is one line on stderr saying what to fix and
 * exit code 1; a good one prints the sandbox banner, serves, and Ctrl-C / SIGTERM shuts down cleanly.
 */
export function describeServerProcess(framework: string, exampleDir: string): void {
  describe(`${framework} example server process`, () => {
    let cwd: string;
    beforeEach(() => {
      cwd = mkdtempSync(join(tmpdir(), 'clickpesa-example-run-'));
    });
    afterEach(() => {
      chmodSync(cwd, 0o755);
      rmSync(cwd, { recursive: true, force: true });
    });

    async function failedStart(env: Record<string, string>): Promise<string> {
      const server = spawnServer(exampleDir, { cwd, env });
      expect(await server.exited).toBe(1);
      const lines = server.stderr().trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^Cannot start the ${framework} example: `));
      expect(server.stdout()).not.toContain('listening');
      return lines[0] ?? '';
    }

    it('a DATABASE_URL that is not a postgres:// URL', async () => {
      const line = await failedStart({ PORT: '0', DATABASE_URL: 'mysql://shop:hunter2@127.0.0.1/shop' });
      expect(line).toContain('DATABASE_URL is not a valid postgres:// URL');
      expect(line).not.toContain('hunter2');
    });

    it('a DATABASE_URL nobody answers at (without printing its password)', async () => {
      const line = await failedStart({ PORT: '0', DATABASE_URL: 'postgres://shop:hunter2@127.0.0.1:1/shop' });
      expect(line).toContain('PostgreSQL database at 127.0.0.1:1/shop (connection refused)');
      expect(line).not.toContain('hunter2');
    });

    it('a port already in use', async () => {
      const blocker = await occupyPort();
      try {
        const port = (blocker.address() as { port: number }).port;
        const line = await failedStart({ PORT: String(port) });
        expect(line).toContain(`port ${port} is already in use`);
        expect(line).toContain('set PORT');
      } finally {
        await new Promise((resolve) => blocker.close(resolve));
      }
    });

    it('a data directory that cannot be created (a file is in the way)', async () => {
      writeFileSync(join(cwd, '.data'), 'not a directory');
      const line = await failedStart({ PORT: '0' });
      expect(line).toContain('./.data/payments.db (a file is in the way of the directory)');
      expect(line).toContain('DATABASE_URL');
    });

    it.skipIf(isRoot)('a data directory without write permission', async () => {
      mkdirSync(join(cwd, '.data'));
      chmodSync(join(cwd, '.data'), 0o555);
      const line = await failedStart({ PORT: '0' });
      expect(line).toContain('(permission denied)');
      chmodSync(join(cwd, '.data'), 0o755);
    });

    it('starts in sandbox mode with the banner, serves the page, and stops cleanly on SIGTERM', async () => {
      const server = spawnServer(exampleDir, { cwd, env: { PORT: '0' } });
      const url = await server.listening();
      expect(server.stdout()).toContain('SANDBOX MODE: no real money');
      const phoneUrl = /Simulated phone[^:]*: (http:\/\/\S+)/.exec(server.stdout())?.[1];
      const config = await (await fetch(`${url}/config.json`)).json();
      expect(config.sandbox).toEqual({ phoneUrl });
      expect((await fetch(phoneUrl ?? '')).status).toBe(200);

      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(server.stdout()).toContain('Stopped.');
      expect(server.stderr()).toBe('');
      await expect(fetch(`${url}/config.json`)).rejects.toThrow();
    });

    it('kill -9 right after the customer was asked to pay: after a restart the order is paid, exactly once', async () => {
      // live mode against a sandbox of the test's own (it outlives the server, as ClickPesa does)
      const port = await freePort();
      const clickpesa = await startSandbox({
        approveDelayMs: 1_500,
        webhookUrl: `http://127.0.0.1:${port}/api/v1/callback`,
        // the webhook may land while the server is down: the sandbox retries, as ClickPesa does
        webhookRetryDelaysMs: [500, 1_000, 2_000, 4_000, 8_000],
      });
      const env = {
        PORT: String(port),
        CLICKPESA_CLIENT_ID: clickpesa.clientId,
        CLICKPESA_API_KEY: clickpesa.apiKey,
        CLICKPESA_BASE_URL: clickpesa.url,
      };
      const auth = { authorization: 'Bearer alice-token', 'content-type': 'application/json' };
      try {
        const first = spawnServer(exampleDir, { cwd, env });
        const url = await first.listening();
        const created = await fetch(`${url}/shop/orders`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ item: 'Kanga', amount: 1500 }),
        });
        const order = ((await created.json()) as { data: { id: string } }).data;
        const paid = await fetch(`${url}/api/v1/payments`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ external_order_id: order.id, msisdn: '0712345670' }),
        });
        expect(paid.status).toBe(201);
        first.child.kill('SIGKILL');
        expect(await first.exited).toBe('SIGKILL');

        const second = spawnServer(exampleDir, { cwd, env });
        await second.listening();
        const settled = await eventually(
          async () => {
            const answer = await fetch(`${url}/shop/orders/${order.id}`, { headers: auth });
            const body = (await answer.json()) as { data: { status: string; paymentIds: string[] } };
            return body.data.status === 'awaiting_payment' ? null : body.data;
          },
          'the order to be paid after the restart',
          // a delivery the killed process had claimed waits for its lease (handler timeout + 10 s) to expire
          60_000,
        );
        expect(settled).toMatchObject({ status: 'paid' });
        expect(settled?.paymentIds).toHaveLength(1);
        expect(clickpesa.count('initiate')).toBe(1);
        second.child.kill('SIGTERM');
        expect(await second.exited).toBe(0);
      } finally {
        await clickpesa.close();
      }
    }, 120_000);
  });
}

async function freePort(): Promise<number> {
  const server = await occupyPort();
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function occupyPort(): Promise<Server> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}
