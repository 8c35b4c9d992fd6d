import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Sandbox, type SandboxOptions, startSandbox } from '@clickpesa-kit/sandbox';
import { createProviderBudget } from '../../../src/budget/budget.js';
import type { ProviderBudget, ProviderBudgetOptions } from '../../../src/budget/types.js';
import { createClickPesaClient } from '../../../src/client/clickpesa-client.js';
import type { ClickPesaApi } from '../../../src/client/types.js';
import {
  PAYMENT_EVENT_TYPES,
  type PaymentEvent,
  PaymentEvents,
  type PaymentEventType,
} from '../../../src/events.js';
import { DEFAULT_WEBHOOK_CONFIRM_WINDOW_MS } from '../../../src/poller/options.js';
import { createPoller } from '../../../src/poller/poller.js';
import type { Poller, PollerOptions } from '../../../src/poller/types.js';
import { createPaymentService } from '../../../src/service/payment-service.js';
import type { PaymentService, PaymentServiceOptions } from '../../../src/service/types.js';
import { createMemoryStore } from '../../../src/store/memory-store.js';
import { withFaults } from '../../../src/testing/faulty-store.js';
import { createManualClock, type ManualClock } from '../../../src/testing/manual-clock.js';
import { createSeededRandom as seededRandom } from '../../../src/testing/seeded-random.js';

export interface PollerHarnessOptions {
  sandbox?: SandboxOptions;
  /** Default: generous (no waiting), so `pollOnce` never blocks on the fake clock. */
  budget?: ProviderBudgetOptions;
  service?: PaymentServiceOptions;
  /** Deliver the sandbox's webhooks to the service (which hands confirmation to the poller). */
  webhooks?: boolean;
}

export interface PollerInstance {
  poller: Poller;
  service: PaymentService;
  budget: ProviderBudget;
  errors: Error[];
}

/**
 * A sandbox on the fake clock, one memory store, and as many poller instances (each with its own service,
 * client and budget, like separate app processes) as a test asks for.
 */
export async function startPollerHarness(options: PollerHarnessOptions = {}) {
  const clock: ManualClock = createManualClock();
  const now = () => clock.now().getTime();
  let receiver: Server | null = null;
  let onWebhook:
    | ((body: string, headers: Record<string, string | string[] | undefined>) => Promise<number>)
    | null = null;
  if (options.webhooks) {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        void (onWebhook?.(Buffer.concat(chunks).toString('utf8'), req.headers) ?? Promise.resolve(500)).then(
          (status) => {
            res.writeHead(status).end();
          },
        );
      });
    });
    await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
  }
  const sb: Sandbox = await startSandbox({
    now,
    approveDelayMs: 20_000,
    ...(receiver
      ? { webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/callback` }
      : {}),
    ...options.sandbox,
  });
  const store = withFaults(createMemoryStore());
  const emitted: PaymentEvent[] = [];
  const instances: PollerInstance[] = [];
  const budgets: ProviderBudget[] = [];
  const closers: (() => Promise<void>)[] = [];

  const serviceOptions: PaymentServiceOptions = { random: seededRandom(99), ...options.service };

  function buildClient(budget: ProviderBudget) {
    const client = createClickPesaClient({
      baseUrl: sb.url,
      clientId: sb.clientId,
      apiKey: sb.apiKey,
      gate: budget,
      now,
      sleep: (ms, signal) => clock.sleep(ms, signal),
      env: {},
    });
    closers.push(() => client.close());
    return client;
  }

  function budgetFor(overrides: ProviderBudgetOptions = {}) {
    const budget = createProviderBudget({
      clock,
      requestsPerMinute: 1_000_000,
      burst: 1_000_000,
      ...options.budget,
      ...overrides,
    });
    budgets.push(budget);
    return budget;
  }

  /** One app instance: budget → client → service → poller, all on the shared store and clock. */
  function addInstance(
    pollerOptions: PollerOptions = {},
    extras: {
      wrap?: (client: ClickPesaApi) => ClickPesaApi;
      budget?: ProviderBudgetOptions;
      /**
       * Wired as the kit wires it: the service wakes the poller when a check is moved forward, and the poller
       * sees the budget (so it knows when there is room). Otherwise it finds due checks on a tick and always
       * batches them.
       */
      asInTheKit?: boolean;
    } = {},
  ): PollerInstance {
    const budget = budgetFor(extras.budget);
    const built = buildClient(budget);
    const client = extras.wrap ? extras.wrap(built) : built;
    const errors: Error[] = [];
    // one event bus per instance, like separate processes; payment events are collected in one list
    const events = new PaymentEvents();
    for (const type of PAYMENT_EVENT_TYPES) events.on(type, (event) => emitted.push(event));
    events.on('poller.error', ({ error }) => errors.push(error));
    const service = createPaymentService({
      store,
      client,
      events,
      clock,
      // `poller` is defined below; the service calls this only later, when a check moves forward
      onCheckDue: extras.asInTheKit ? (at) => poller.wake(at) : undefined,
      options: {
        rateLimits: false,
        ...serviceOptions,
        confirmWithinMs: pollerOptions.webhookConfirmWindowMs ?? DEFAULT_WEBHOOK_CONFIRM_WINDOW_MS,
      },
    });
    const poller: Poller = createPoller(
      {
        store,
        client,
        reconciler: service,
        events,
        clock,
        logger: quietLogger,
        ...(extras.asInTheKit ? { budget } : {}),
      },
      { random: seededRandom(instances.length + 1), ...pollerOptions },
    );
    const instance = { poller, service, errors, budget };
    instances.push(instance);
    if (!onWebhook) {
      onWebhook = async (body, headers) => (await service.handleWebhook({ rawBody: body, headers })).status;
    }
    return instance;
  }

  let phoneCounter = 0;
  /** A fresh phone number ending in `digit` (the sandbox scenario), unique so pushes never collide. */
  const phone = (digit: number) => {
    phoneCounter += 1;
    return `25571${String(phoneCounter).padStart(6, '0')}${digit}`;
  };

  async function initiate(service: PaymentService, digit: number) {
    const result = await service.initiate('owner-1', { amount: 1000, currency: 'TZS', msisdn: phone(digit) });
    return result.payment;
  }

  /** Moves the fake clock; the simulated customers answer by it (looking at the sandbox settles what is due). */
  async function advance(ms: number) {
    await clock.advance(ms);
    sb.getPayment('');
  }

  /** Moves the fake clock in steps, running `each` (e.g. pollOnce) after every step. */
  async function runFor(totalMs: number, stepMs: number, each: () => Promise<unknown>) {
    for (let elapsed = 0; elapsed < totalMs; elapsed += stepMs) {
      await advance(stepMs);
      await each();
    }
  }

  /** Moves the fake clock in steps while the pollers run on their own timers, letting real I/O finish. */
  async function driveFor(totalMs: number, stepMs: number) {
    for (let elapsed = 0; elapsed < totalMs; elapsed += stepMs) {
      await advance(stepMs);
      await realPause(3);
    }
  }

  const eventsOf = (paymentId: string, type?: PaymentEventType) =>
    emitted.filter((event) => event.paymentId === paymentId && (type === undefined || event.type === type));

  return {
    clock,
    sb,
    store,
    emitted,
    instances,
    budgets,
    addInstance,
    advance,
    initiate,
    phone,
    runFor,
    driveFor,
    eventsOf,
    async close() {
      for (const instance of instances) await instance.poller.stop().catch(() => undefined);
      for (const close of closers) await close().catch(() => undefined);
      await sb.close();
      if (receiver) await new Promise<void>((resolve) => receiver!.close(() => resolve()));
    },
  };
}

export type PollerHarness = Awaited<ReturnType<typeof startPollerHarness>>;

export function realPause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const quietLogger = { debug() {}, info() {}, warn() {}, error() {} };
