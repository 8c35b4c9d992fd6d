import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type EndpointClass, type Sandbox, type SandboxOptions, startSandbox } from '@clickpesa-kit/sandbox';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createClickPesaClient } from '../../src/client/clickpesa-client.js';
import type { ClickPesaApi } from '../../src/client/types.js';
import type { Clock } from '../../src/clock.js';
import { systemClock } from '../../src/clock.js';
import type { PaymentRecord } from '../../src/domain/payment.js';
import { PAYMENT_EVENT_TYPES, type PaymentEvent, PaymentEvents } from '../../src/events.js';
import type { InitiatePaymentInput } from '../../src/service/initiate-input.js';
import { createPaymentService } from '../../src/service/payment-service.js';
import type { PaymentService, PaymentServiceOptions } from '../../src/service/types.js';
import { createMemoryStore, type MemoryStore } from '../../src/store/memory-store.js';
import { type FaultyStore, withFaults } from '../../src/testing/faulty-store.js';

/** A clock that runs in real time but can be pushed forward (poll schedules, refresh windows, TTLs). */
export interface TestClock extends Clock {
  advance(ms: number): void;
}

export function createTestClock(): TestClock {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    sleep: systemClock.sleep,
    setTimeout: systemClock.setTimeout,
    advance(ms) {
      offset += ms;
    },
  };
}

export interface Harness {
  sb: Sandbox;
  store: FaultyStore<MemoryStore>;
  events: PaymentEvents;
  clock: TestClock;
  service: PaymentService;
  client: ClickPesaApi;
  /** Every payment event the service emitted, in order. */
  emitted: PaymentEvent[];
  /** Where our webhook receiver listens (give it to `sb.sendWebhook(ref, { url })`). */
  webhookUrl: string;
  /** Another service over the same store, client, events and clock, with other options. */
  serviceWith(options: PaymentServiceOptions): PaymentService;
  /** Runs one reconcile for a payment the way the poller would: claim it (clock pushed past its due time), then reconcile. */
  reconcileNow(paymentId: string, aheadMs?: number): Promise<PaymentRecord>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  sandbox?: SandboxOptions;
  service?: PaymentServiceOptions;
  /** Let the sandbox send its automatic webhooks to our receiver. Default false. */
  autoWebhooks?: boolean;
}

export const OWNER = 'alice';
export const OTHER_OWNER = 'bob';

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  let service: PaymentService | undefined;
  const receiver = await startWebhookReceiver((input) => service!.handleWebhook(input));
  const sb = await startSandbox({
    approveDelayMs: 50,
    webhookRetryDelaysMs: [],
    ...(options.autoWebhooks ? { webhookUrl: receiver.url } : {}),
    ...options.sandbox,
  });
  const store = withFaults(createMemoryStore());
  const events = new PaymentEvents();
  const clock = createTestClock();
  const emitted: PaymentEvent[] = [];
  for (const type of PAYMENT_EVENT_TYPES) events.on(type, (event) => emitted.push(event));
  const client = createClickPesaClient({
    baseUrl: sb.url,
    clientId: sb.clientId,
    apiKey: sb.apiKey,
    maxRetries: 0,
    timeouts: { tokenMs: 2_000, initiateMs: 2_000, queryMs: 2_000 },
    env: {},
    ...(options.sandbox?.checksumKey ? { checksumKey: options.sandbox.checksumKey } : {}),
  });
  // the push rate limits have their own tests; here many pushes share one owner and one service
  service = createPaymentService({
    store,
    client,
    events,
    clock,
    options: { rateLimits: false, ...options.service },
  });
  const svc = service;

  return {
    sb,
    store,
    events,
    clock,
    service: svc,
    client,
    emitted,
    webhookUrl: receiver.url,
    serviceWith: (serviceOptions) =>
      createPaymentService({
        store,
        client,
        events,
        clock,
        options: { rateLimits: false, ...serviceOptions },
      }),
    async reconcileNow(paymentId, aheadMs = 0) {
      const payment = await store.getPayment(paymentId);
      if (!payment?.nextPollAt) throw new Error('payment has nothing due');
      const behind = payment.nextPollAt.getTime() - clock.now().getTime() + aheadMs;
      if (behind > 0) clock.advance(behind);
      const claimed = await store.claimDue({ now: clock.now(), limit: 100, leaseMs: 60_000, owner: 'test' });
      const mine = claimed.find((item) => item.payment.id === paymentId);
      if (!mine) throw new Error('payment was not claimed');
      for (const other of claimed)
        if (other !== mine) await store.releaseLease(other.payment.id, other.leaseToken);
      await svc.reconcile(paymentId, mine.leaseToken);
      return (await store.getPayment(paymentId))!;
    },
    async close() {
      await sb.close();
      await receiver.close();
      await store.close();
    },
  };
}

/** A real HTTP endpoint for the sandbox's webhooks: the raw body goes to the service, its status comes back. */
async function startWebhookReceiver(
  handle: PaymentService['handleWebhook'],
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      handle({ rawBody: Buffer.concat(chunks), headers: req.headers }).then(
        (result) => {
          res.writeHead(result.status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(result));
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/callback`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let phoneCounter = 0;
/** A fresh Vodacom number ending in `digit` (the sandbox scenario), so tests never share an MSISDN. */
export function phone(digit: number): string {
  phoneCounter += 1;
  const middle = String((process.pid * 1000 + phoneCounter) % 1_000_000).padStart(6, '0');
  return `25575${middle}${digit}`;
}

/** A valid body, with `extra` fields on top (tests also send wrong ones, which the service must refuse). */
export function paymentBody(digit: number, extra: Record<string, unknown> = {}): InitiatePaymentInput {
  const body = { amount: 1000, currency: 'TZS', msisdn: phone(digit), customer_name: 'Test User', ...extra };
  return body as InitiatePaymentInput;
}

/** Polls until `check` returns a value (not undefined/false) or the time is up. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 5_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error('waitFor timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Waits until the sandbox's customer has answered (status no longer PROCESSING). */
export function settledAtSandbox(sb: Sandbox, orderReference: string): Promise<string> {
  return waitFor(() => {
    const status = sb.getPayment(orderReference)?.status;
    return status && status !== 'PROCESSING' ? status : undefined;
  });
}

export function eventTypes(emitted: PaymentEvent[], paymentId: string): string[] {
  return emitted.filter((event) => event.paymentId === paymentId).map((event) => event.type);
}

/**
 * Counts ClickPesa calls made from now on. Tests share one sandbox (and one cached token) per file instead of
 * `sb.reset()`, which would also revoke the token and add a 401-then-retry to the next call's count.
 */
export function callsSince(sb: Sandbox): (endpoint: EndpointClass | '*', orderReference?: string) => number {
  const start = sb.requests.length;
  return (endpoint, orderReference) =>
    sb.requests
      .slice(start)
      .filter(
        (entry) =>
          (endpoint === '*' || entry.endpoint === endpoint) &&
          (orderReference === undefined || entry.orderReference === orderReference),
      ).length;
}

/**
 * One harness for a whole describe/file: started before, closed after; before each test the faults are
 * cleared, the emitted events forgotten and `calls` (ClickPesa calls since the test began) restarted.
 * The returned object forwards to the current harness, so it can be captured at definition time.
 */
export function useHarness(options: HarnessOptions = {}): Harness & { calls: ReturnType<typeof callsSince> } {
  let harness: Harness | undefined;
  let calls: ReturnType<typeof callsSince> | undefined;
  beforeAll(async () => {
    harness = await startHarness(options);
  });
  afterAll(async () => {
    await harness?.close();
  });
  beforeEach(() => {
    harness!.sb.clearFaults();
    harness!.store.clearFaults();
    harness!.emitted.length = 0;
    calls = callsSince(harness!.sb);
  });
  return new Proxy({} as Harness & { calls: ReturnType<typeof callsSince> }, {
    get: (_target, key) => (key === 'calls' ? calls : harness![key as keyof Harness]),
  });
}
