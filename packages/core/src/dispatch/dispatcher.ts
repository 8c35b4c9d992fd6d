import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { EventDelivery, PaymentStore } from '../store/contract.js';
import { backoffMs, type ResolvedDispatcherOptions } from './options.js';
import type { DeliveryOutcome, OutboxConsumer } from './types.js';

/** Added to the handler timeout for the lease: the attempt is settled before anyone else may claim it. */
const LEASE_MARGIN_MS = 10_000;
/** Stored `lastError` is kept short. */
const MAX_ERROR_LENGTH = 500;

export interface DispatcherDeps {
  store: PaymentStore;
  clock: Clock;
  logger: Logger;
  consumer: OutboxConsumer;
  /** Who holds the leases, for diagnostics (an instance id). */
  owner: string;
  options: ResolvedDispatcherOptions;
  random?: () => number;
  /** A failure of the dispatcher itself (a store call that threw); it keeps going. */
  onError?: (error: Error) => void;
  /** A delivery this dispatcher settled as delivered or dead-lettered (metrics, logs). */
  onSettled?: (outcome: 'delivered' | 'dead_lettered', delivery: SettledDelivery) => void;
}

/** What `onSettled` is told: no payload, only what bounded labels can be made of. */
export interface SettledDelivery {
  consumer: string;
  type: string;
  attempt: number;
}

export interface EventDispatcher {
  readonly consumer: string;
  start(): void;
  /** Claim now: called right after a local commit stored events, and after a replay. */
  wake(): void;
  /** Deliveries being handled right now. */
  inFlight(): number;
  /**
   * No new claims; running deliveries get `shutdownGraceMs` to finish and are settled as usual. Those still
   * running then have their signal aborted and their lease left to expire (another instance takes them over).
   */
  stop(): Promise<void>;
}

/**
 * One consumer's delivery loop over the outbox. It claims due deliveries (the store hands out only the
 * lowest pending seq of each payment, so one payment's events go one at a time and in order, different
 * payments in parallel up to `concurrency`), runs the consumer OUTSIDE any store call, and completes the
 * delivery or records the failure with a jittered exponential backoff (a dead letter after `maxAttempts`).
 * It claims when woken (a local commit) and every `pollIntervalMs` (other instances' events, due retries).
 */
export function createEventDispatcher(deps: DispatcherDeps): EventDispatcher {
  const { store, clock, logger, consumer, owner, options } = deps;
  const random = deps.random ?? Math.random;
  const leaseMs = options.handlerTimeoutMs + LEASE_MARGIN_MS;
  const running = new Map<string, { done: Promise<void>; abandon: () => void }>();
  let active = false;
  let woken = false;
  let wakeWaiter: (() => void) | null = null;
  let loopDone: Promise<void> | null = null;

  const report = (error: unknown, what: string) => {
    const err = error instanceof Error ? error : new Error(String(error));
    logger.warn({ consumer: consumer.name, err: err.message }, what);
    deps.onError?.(err);
  };

  /** Resolves on wake(), on stop(), or after `ms` (never, when null). */
  const nextSignal = (ms: number | null): Promise<void> => {
    if (woken || !active) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const sleeping = new AbortController();
      const done = () => {
        wakeWaiter = null;
        sleeping.abort();
        resolve();
      };
      wakeWaiter = done;
      if (ms !== null) clock.sleep(ms, sleeping.signal).then(done, () => undefined);
    });
  };

  const loop = async () => {
    while (active) {
      const free = options.concurrency - running.size;
      if (free <= 0) {
        // a finishing delivery wakes us
        await nextSignal(null);
        woken = false;
        continue;
      }
      woken = false;
      const limit = Math.min(options.batchSize, free);
      let claimed: EventDelivery[] = [];
      try {
        claimed = await store.claimEventDeliveries({
          consumer: consumer.name,
          now: clock.now(),
          limit,
          leaseMs,
          owner,
        });
      } catch (error) {
        report(error, 'could not claim event deliveries');
      }
      // stopped while claiming: these leases simply expire and another claim takes them
      if (!active) break;
      for (const delivery of claimed) begin(delivery);
      if (claimed.length === limit) continue;
      await nextSignal(options.pollIntervalMs);
    }
  };

  const begin = (delivery: EventDelivery) => {
    const key = delivery.event.id;
    const controller = new AbortController();
    let abandoned = false;
    let release: (outcome: DeliveryOutcome | null) => void = () => undefined;
    const cutOff = new Promise<DeliveryOutcome | null>((resolve) => {
      release = resolve;
    });
    const abandon = () => {
      abandoned = true;
      controller.abort(new Error('dispatcher stopped'));
      release(null);
    };
    const done = (async () => {
      const timer = clock.setTimeout(() => {
        controller.abort(new Error('handler timed out'));
        release({ ok: false, error: `timed out after ${options.handlerTimeoutMs} ms` });
      }, options.handlerTimeoutMs);
      const attempt = Promise.resolve()
        .then(() => consumer.deliver(delivery, { signal: controller.signal, attempt: delivery.attempts + 1 }))
        .catch((error: unknown): DeliveryOutcome => ({ ok: false, error: describe(error) }));
      let outcome: DeliveryOutcome | null;
      try {
        outcome = await Promise.race([attempt, cutOff]);
      } finally {
        timer.cancel();
      }
      if (outcome === null || abandoned) return;
      await settle(delivery, outcome);
    })();
    const tracked = done.finally(() => {
      running.delete(key);
      wake();
    });
    running.set(key, { done: tracked, abandon });
  };

  const settle = async (delivery: EventDelivery, outcome: DeliveryOutcome) => {
    const now = clock.now();
    const { event } = delivery;
    const where = {
      consumer: consumer.name,
      eventId: event.id,
      paymentId: event.paymentId,
      type: event.type,
      attempt: delivery.attempts + 1,
    };
    const settleInput = { consumer: consumer.name, eventId: event.id, leaseToken: delivery.leaseToken, now };
    try {
      let current: boolean;
      if (outcome.ok) {
        current = await store.completeEventDelivery(settleInput);
        if (current) {
          logger.debug(where, 'event delivered');
          deps.onSettled?.('delivered', where);
        }
      } else {
        const waitMs =
          outcome.retryInMs === undefined
            ? backoffMs(delivery.attempts + 1, options, random)
            : outcome.retryInMs;
        const retryAt = waitMs === null ? null : new Date(now.getTime() + waitMs);
        const error = outcome.error.slice(0, MAX_ERROR_LENGTH);
        current = await store.failEventDelivery({ ...settleInput, error, retryAt });
        if (current && retryAt === null) {
          logger.error({ ...where, error }, 'event delivery dead-lettered');
          deps.onSettled?.('dead_lettered', where);
        } else if (current)
          logger.warn({ ...where, error, retryInMs: waitMs }, 'event delivery failed; will retry');
      }
      if (!current) logger.info(where, 'stale delivery lease: another dispatcher took this event over');
    } catch (error) {
      // the lease runs out and the event is delivered again: at least once
      report(error, 'could not record an event delivery');
    }
  };

  function wake(): void {
    woken = true;
    wakeWaiter?.();
  }

  return {
    consumer: consumer.name,
    start() {
      if (active || loopDone) return;
      active = true;
      loopDone = loop().catch((error: unknown) => report(error, 'event dispatcher loop failed'));
    },
    wake,
    inFlight: () => running.size,
    async stop() {
      if (!active) return;
      active = false;
      wakeWaiter?.();
      await loopDone;
      if (running.size > 0 && options.shutdownGraceMs > 0) {
        const grace = new AbortController();
        await Promise.race([
          Promise.allSettled([...running.values()].map((entry) => entry.done)),
          clock.sleep(options.shutdownGraceMs, grace.signal).catch(() => undefined),
        ]);
        grace.abort();
      }
      for (const entry of running.values()) entry.abandon();
      running.clear();
    },
  };
}

/** A short description of what a consumer threw: name and message, nothing else. */
function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return typeof error === 'string' ? error : 'non-error thrown';
}
