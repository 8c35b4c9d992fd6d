import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, startSandbox } from '@clickpesa-kit/sandbox';
import { readExampleConfig } from '../config.js';
import { prepareShop, type RunningShop, type Shop, type StartShop } from '../shop.js';

export interface TestShop {
  readonly url: string;
  /** The working directory: the SQLite file is `.data/payments.db` in it. */
  readonly dataDir: string;
  readonly shop: Shop;
  /** The shop's own sandbox, or (live mode) the sandbox standing in for ClickPesa. */
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
 * With `live` it runs in live mode: ClickPesa credentials in its environment, and a sandbox of the test's
 * own at CLICKPESA_BASE_URL standing in for ClickPesa (the shop itself knows nothing of it).
 */
export async function startTestShop(
  startShop: StartShop,
  options: { approveDelayMs?: number; dataDir?: string; live?: boolean } = {},
): Promise<TestShop> {
  const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'clickpesa-example-'));
  const approveDelayMs = options.approveDelayMs ?? 60_000;
  const env: Record<string, string> = { PORT: '0', SANDBOX_APPROVE_DELAY_MS: String(approveDelayMs) };
  const standIn = options.live ? await startStandInClickPesa(approveDelayMs) : null;
  if (standIn) Object.assign(env, standIn.env);
  let shop: Shop;
  let running: RunningShop;
  try {
    const config = readExampleConfig(env, dir);
    shop = await prepareShop(config);
    try {
      running = await startShop(shop, { port: config.port, host: config.host });
    } catch (error) {
      await shop.close();
      throw error;
    }
  } catch (error) {
    await standIn?.sandbox.close();
    throw error;
  }
  shop.listening(running.url);
  standIn?.sandbox.configure({ webhookUrl: `${running.url}/api/v1/callback` });
  let stopped: Promise<void> | undefined;
  return {
    url: running.url,
    dataDir: dir,
    shop,
    sandbox: standIn?.sandbox ?? (shop.sandbox as Sandbox),
    running,
    request: (path, init = {}) => requestJson(`${running.url}${path}`, init),
    stop() {
      stopped ??= running
        .close()
        .catch(() => {}) // already closed by the test
        .finally(() => shop.close())
        .finally(() => standIn?.sandbox.close())
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

/** A sandbox on its own port, with the environment a live shop would get for real ClickPesa. */
async function startStandInClickPesa(
  approveDelayMs: number,
): Promise<{ sandbox: Sandbox; env: Record<string, string> }> {
  const checksumKey = 'stand-in-checksum-key';
  const sandbox = await startSandbox({ host: '127.0.0.1', port: 0, checksumKey, approveDelayMs });
  return {
    sandbox,
    env: {
      CLICKPESA_CLIENT_ID: sandbox.clientId,
      CLICKPESA_API_KEY: sandbox.apiKey,
      CLICKPESA_CHECKSUM_KEY: checksumKey,
      CLICKPESA_BASE_URL: sandbox.url,
    },
  };
}
