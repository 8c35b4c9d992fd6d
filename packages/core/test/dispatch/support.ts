import { randomUUID } from 'node:crypto';
import type { Clock } from '../../src/clock.js';
import { createEventDispatcher, type EventDispatcher } from '../../src/dispatch/dispatcher.js';
import { createHandlersConsumer } from '../../src/dispatch/handlers-consumer.js';
import { resolveDispatcherOptions } from '../../src/dispatch/options.js';
import type { DispatcherOptions, EventHandlers } from '../../src/dispatch/types.js';
import type { PaymentEventType } from '../../src/domain/event-types.js';
import type { PaymentStatus } from '../../src/domain/payment.js';
import type { MemoryStore } from '../../src/store/memory-store.js';
import { payment } from '../domain/transition-fixtures.js';

export interface CapturedLog {
  level: string;
  msg: string | undefined;
  fields: Record<string, unknown>;
}

export function capturingLogger(into: CapturedLog[]) {
  const write = (level: string) => (fields: Record<string, unknown>, msg?: string) => {
    into.push({ level, msg, fields });
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

let references = 0;

/**
 * Writes a payment and `types` as its events, each with a `handlers` delivery, the way the service does (one
 * atomic step per call); returns the payment id. Call again with the id to add events to that payment.
 */
export async function storeEvents(
  store: MemoryStore,
  clock: Clock,
  types: PaymentEventType[],
  paymentId?: string,
  status: PaymentStatus = 'processing',
): Promise<string> {
  const events = types.map((type) => ({
    id: randomUUID(),
    type,
    occurredAt: clock.now(),
    data: { to: status, source: 'query' },
    deliverTo: ['handlers'],
  }));
  if (paymentId === undefined) {
    const id = randomUUID();
    const reference = `REF${++references}X`;
    await store.createPayment({
      payment: payment({ id, orderReference: reference, orderReferences: [reference], status }),
      events,
    });
    return id;
  }
  const current = await store.getPayment(paymentId);
  if (!current) throw new Error('no such payment');
  const result = await store.transition({
    paymentId,
    expectedVersion: current.version,
    changes: { status },
    events,
  });
  if (!result.applied) throw new Error('transition not applied');
  return paymentId;
}

export function handlersDispatcher(
  store: MemoryStore,
  clock: Clock,
  handlers: EventHandlers,
  options: DispatcherOptions = {},
  extra: { logs?: CapturedLog[]; owner?: string; random?: () => number } = {},
): EventDispatcher {
  return createEventDispatcher({
    store,
    clock,
    logger: capturingLogger(extra.logs ?? []),
    owner: extra.owner ?? 'instance-a',
    consumer: createHandlersConsumer(handlers, store),
    options: resolveDispatcherOptions({ pollIntervalMs: 1_000, shutdownGraceMs: 0, ...options }),
    random: extra.random ?? (() => 0.5),
  });
}

/** Waits (real time, bounded) until `check` holds. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
