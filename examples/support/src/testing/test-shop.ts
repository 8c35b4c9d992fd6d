import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sandbox } from '@clickpesa-kit/sandbox';
import { readExampleConfig } from '../config.js';
import { prepareShop, type RunningShop, type Shop, type StartShop } from '../shop.js';

export interface TestShop {
  readonly url: string;
  /** The working directory: the SQLite file is `.data/payments.db` in it. */
  readonly dataDir: string;
  readonly shop: Shop;
  readonly sandbox: Sandbox;
  readonly running: RunningShop;
  /** JSON request to the app; `token` becomes a bearer header. */
  request(
    path: string,
    init?: { method?: string; token?: string; body?: unknown; rawBody?: string },
  ): Promise<JsonAnswer>;
  /** Stops the app, then closes the store and the sandbox, then removes its own temp directory. Idempotent. */
  stop(): Promise<void>;
}

export interface JsonAnswer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test answers are inspected field by field
  json: any;
}

/**
 * An example app as the server starts it, in-process: sandbox mode, SQLite in a temp directory, port 0.
 * The simulated customer answers only after `approveDelayMs` (default a minute), so tests approve by hand.
 * With `dataDir` it runs on that directory (a restart of an earlier shop) and leaves it in place on stop.
 */
export async function startTestShop(
  startShop: StartShop,
  options: { approveDelayMs?: number; dataDir?: string } = {},
): Promise<TestShop> {
  const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'clickpesa-example-'));
  const config = readExampleConfig(
    { PORT: '0', SANDBOX_APPROVE_DELAY_MS: String(options.approveDelayMs ?? 60_000) },
    dir,
  );
  const shop = await prepareShop(config);
  let running: RunningShop;
  try {
    running = await startShop(shop, { port: config.port, host: config.host });
  } catch (error) {
    await shop.close();
    throw error;
  }
  shop.listening(running.url);
  let stopped: Promise<void> | undefined;
  return {
    url: running.url,
    dataDir: dir,
    shop,
    sandbox: shop.sandbox as Sandbox,
    running,
    request: (path, init = {}) => requestJson(`${running.url}${path}`, init),
    stop() {
      stopped ??= running
        .close()
        .catch(() => {}) // already closed by the test
        .finally(() => shop.close())
        .finally(() => {
          if (!options.dataDir) rmSync(dir, { recursive: true, force: true });
        });
      return stopped;
    },
  };
}

async function requestJson(
  url: string,
  init: { method?: string; token?: string; body?: unknown; rawBody?: string },
): Promise<JsonAnswer> {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const body = init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, {
    method: init.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Re-checks `probe` until it returns something truthy (a condition, not a timing assertion). */
export async function eventually<T>(
  probe: () => Promise<T> | T,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
