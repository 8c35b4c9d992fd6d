import { type Sandbox, startSandbox } from '@clickpesa-kit/sandbox';
import type { ClickPesaPaymentsOptions } from '../../src/config.js';
import { PAYMENT_EVENT_TYPES } from '../../src/events.js';
import { type ClickPesaPayments, createClickPesaPayments } from '../../src/kit.js';
import type { Logger } from '../../src/logger.js';
import { createMemoryStore, type MemoryStore } from '../../src/store/memory-store.js';
import { type FaultyStore, withFaults } from '../../src/testing/faulty-store.js';
import { type HarnessServer, serveHandler } from './http-harness.js';

/** Sentinel secrets (SEC-11): none may appear in any response, event or log line. */
export const SENTINELS = {
  clientId: 'SENTINEL_CLIENT_ID_5d1f',
  apiKey: 'SENTINEL_API_KEY_8c2e',
  checksumKey: 'SENTINEL_CHECKSUM_KEY_41aa',
} as const;

export const TOKENS: Record<string, string> = { 'alice-token': 'alice', 'bob-token': 'bob' };

/** Bearer-token authentication the way a host would write it, over node's own request object. */
export function bearerAuthenticate(raw: unknown): { id: string } | null {
  const header = (raw as { headers?: Record<string, string | undefined> }).headers?.authorization ?? '';
  const token = header.startsWith('Bearer ') ? header.slice(7) : '';
  if (token === 'explode') throw new Error('session backend unreachable');
  const id = TOKENS[token];
  return id ? { id } : null;
}

export interface Captured {
  events: { type: string; payload: unknown }[];
  logs: string[];
}

export interface KitFixture {
  sandbox: Sandbox;
  store: FaultyStore<MemoryStore>;
  kit: ClickPesaPayments;
  http: HarnessServer;
  captured: Captured;
  /** fetch against the mounted routes, as alice unless `token` says otherwise; answers parsed. */
  call(
    method: string,
    path: string,
    options?: {
      token?: string | null;
      json?: unknown;
      body?: string | Buffer;
      headers?: Record<string, string>;
    },
  ): Promise<{ status: number; headers: Headers; body: Record<string, unknown>; text: string }>;
  close(): Promise<void>;
}

export async function startKit(overrides: Partial<ClickPesaPaymentsOptions> = {}): Promise<KitFixture> {
  const captured: Captured = { events: [], logs: [] };
  const sandbox = await startSandbox({
    clientId: SENTINELS.clientId,
    apiKey: SENTINELS.apiKey,
    checksumKey: SENTINELS.checksumKey,
    approveDelayMs: 50,
    webhookRetryDelaysMs: [],
  });
  const store = withFaults(createMemoryStore());
  const logger = capturingLogger(captured.logs);
  const kit = createClickPesaPayments({
    store,
    authenticate: bearerAuthenticate,
    clickpesa: {
      baseUrl: sandbox.url,
      clientId: SENTINELS.clientId,
      apiKey: SENTINELS.apiKey,
      checksumKey: SENTINELS.checksumKey,
      env: {},
    },
    poller: false,
    statusRefreshMs: 0,
    // the real budget, wide enough that it never paces a test (its pacing has its own tests)
    budget: { requestsPerMinute: 60_000, burst: 1_000 },
    // the push limits have their own tests; here one owner makes many pushes
    rateLimits: false,
    logger,
    ...overrides,
  });
  recordAllEvents(kit, captured);
  const http = await serveHandler(kit.handler);
  sandbox.configure({ webhookUrl: `${http.url}/callback/` });

  const responses: string[] = [];
  const call: KitFixture['call'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? 'alice-token' : options.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | Buffer | undefined = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    }
    const payload = body === undefined ? null : typeof body === 'string' ? body : new Uint8Array(body);
    const response = await fetch(`${http.url}${path}`, { method, headers, body: payload });
    const text = await response.text();
    const responseHeaders: string[] = [];
    response.headers.forEach((value, name) => {
      responseHeaders.push(`${name}: ${value}`);
    });
    responses.push(text, ...responseHeaders);
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // host error pages are not JSON
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  };
  Object.defineProperty(captured, 'responses', { value: responses });

  return {
    sandbox,
    store,
    kit,
    http,
    captured,
    call,
    async close() {
      await kit.close();
      await http.close();
      await sandbox.close();
    },
  };
}

/** Every text the outside world saw: responses, events and logs (for the sentinel check). */
export function everythingSeen(fixture: KitFixture): string {
  const responses = (fixture.captured as Captured & { responses: string[] }).responses;
  return [
    ...responses,
    ...fixture.captured.logs,
    ...fixture.captured.events.map((event) => JSON.stringify(event, errorReplacer)),
  ].join('\n');
}

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
}

function capturingLogger(lines: string[]): Logger {
  const write = (level: string) => (obj: Record<string, unknown>, msg?: string) => {
    lines.push(JSON.stringify({ level, ...obj, msg }, errorReplacer));
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

const RECORDED_EVENTS = [
  ...PAYMENT_EVENT_TYPES,
  'webhook.received',
  'webhook.rejected',
  'provider.request',
  'provider.response',
  'poller.error',
  'error',
] as const;

function recordAllEvents(kit: ClickPesaPayments, captured: Captured): void {
  for (const type of RECORDED_EVENTS) {
    kit.events.on(type, (payload: unknown) => captured.events.push({ type, payload }));
  }
}

export function eventsOf(fixture: KitFixture, type: string): unknown[] {
  return fixture.captured.events.filter((event) => event.type === type).map((event) => event.payload);
}

/** Waits (real time, bounded) until `check` holds; the sandbox answers pushes after 50 ms. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
