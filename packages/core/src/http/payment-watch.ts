import { type Clock, systemClock } from '../clock.js';
import type { PaymentRecord } from '../domain/payment.js';
import type { PaymentEventOf, PaymentEvents } from '../events.js';
import { type Logger, silentLogger } from '../logger.js';
import type { PaymentStore, StoredEvent } from '../store/contract.js';

/** How often one process reads the shared store's event cursor while someone is listening. */
export const DEFAULT_WATCH_INTERVAL_MS = 500;
const CURSOR_PAGE = 500;
/** After a quiet period this long the cursor starts again from the newest position instead of catching up. */
const RESUME_WITHIN_MS = 60_000;

/** What a listener hears: a newer stored state of its payment, or the end of the watch (shutdown). */
export interface PaymentWatchListener {
  change(payment: PaymentRecord): void;
  closed(): void;
}

/**
 * The payment changes the push routes wait for, delivered to per-payment listeners. Changes made in this
 * process arrive from the live event bus; with a store shared by several processes, one cursor over the
 * store's events (`listEventsSince`) per process brings the changes other instances made. A listener may
 * hear one change twice (bus and cursor) or an older one: it keeps the highest `version` it has seen.
 * Nothing runs while nobody listens: no bus listener, no timer.
 */
export interface PaymentWatch {
  /** Starts delivering `paymentId`'s changes to `listener`; the returned function stops it (idempotent). */
  subscribe(paymentId: string, listener: PaymentWatchListener): () => void;
  /** Open subscriptions, bus listeners and timers held right now (all 0 when nobody listens). */
  stats(): { subscriptions: number; busListeners: number; timers: number };
  /** Ends every subscription (`closed()`) and refuses new ones: the kit's shutdown. */
  close(): void;
}

export interface PaymentWatchOptions {
  events: PaymentEvents;
  /** A store shared by several processes: its event cursor is read while someone listens. */
  store?: PaymentStore;
  /** Cursor read interval. Default 500 ms. */
  intervalMs?: number;
  logger?: Logger;
  /** Times the cursor reads: the kit's clock. Default: the system clock. */
  clock?: Clock;
}

export function createPaymentWatch(options: PaymentWatchOptions): PaymentWatch {
  const { events } = options;
  const logger = options.logger ?? silentLogger;
  const intervalMs = options.intervalMs ?? DEFAULT_WATCH_INTERVAL_MS;
  const store = options.store && options.store.shared !== false ? options.store : undefined;
  const listeners = new Map<string, Set<PaymentWatchListener>>();
  let subscriptions = 0;
  let closed = false;

  const deliver = (payment: PaymentRecord) => {
    const set = listeners.get(payment.id);
    if (!set) return;
    for (const listener of [...set]) listener.change(payment);
  };
  const onBusChange = (event: PaymentEventOf<'payment.status_changed'>) => deliver(event.payment);
  const cursor = store
    ? createEventCursor({
        store,
        clock: options.clock ?? systemClock,
        intervalMs,
        logger,
        deliver,
        watchedIds: () => [...listeners.keys()],
      })
    : null;

  return {
    subscribe(paymentId, listener) {
      if (closed) {
        listener.closed();
        return () => {};
      }
      let set = listeners.get(paymentId);
      if (!set) {
        set = new Set();
        listeners.set(paymentId, set);
      }
      set.add(listener);
      if (subscriptions++ === 0) {
        events.on('payment.status_changed', onBusChange);
        cursor?.start();
      }
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        set.delete(listener);
        if (set.size === 0) listeners.delete(paymentId);
        if (--subscriptions === 0) {
          events.off('payment.status_changed', onBusChange);
          cursor?.stop();
        }
      };
    },
    stats: () => ({
      subscriptions,
      busListeners: subscriptions > 0 ? 1 : 0,
      timers: cursor?.running() ? 1 : 0,
    }),
    close() {
      if (closed) return;
      closed = true;
      const all = [...listeners.values()].flatMap((set) => [...set]);
      for (const listener of all) listener.closed();
    },
  };
}

/**
 * One reader of the store's event positions. It starts at the newest position (found by probing, not by
 * reading every old event), then, because a change may have committed while it was looking, re-reads the
 * watched payments once; after that it follows the cursor every `intervalMs` until nobody listens.
 */
function createEventCursor(deps: {
  store: PaymentStore;
  clock: Clock;
  intervalMs: number;
  logger: Logger;
  deliver: (payment: PaymentRecord) => void;
  watchedIds: () => string[];
}) {
  const { store, clock, intervalMs, logger, deliver, watchedIds } = deps;
  let position: number | null = null;
  let timer: { cancel(): void } | null = null;
  let running = false;
  let reading = false;
  let stoppedAt = 0;

  const deliverEvents = (batch: readonly StoredEvent[]) => {
    for (const event of batch) {
      if (event.type === 'payment.status_changed' && event.payment) deliver(event.payment);
    }
  };

  const catchUp = async () => {
    for (;;) {
      const batch = await store.listEventsSince({ after: position, limit: CURSOR_PAGE });
      if (batch.length > 0) position = batch[batch.length - 1]!.position;
      deliverEvents(batch);
      if (batch.length < CURSOR_PAGE || !running) return;
    }
  };

  const fastForward = async () => {
    position = await newestPosition(store);
    for (const id of watchedIds()) {
      const payment = await store.getPayment(id);
      if (payment) deliver(payment);
    }
  };

  const tick = async () => {
    timer = null;
    if (!running || reading) return;
    reading = true;
    try {
      if (position === null) await fastForward();
      else await catchUp();
    } catch (error) {
      logger.warn({ errorName: (error as Error)?.name }, 'payment watch could not read the event cursor');
    } finally {
      reading = false;
      if (running) timer = clock.setTimeout(tick, intervalMs);
    }
  };

  return {
    start() {
      running = true;
      // after a long quiet period, start from the newest position again rather than read every event since
      if (clock.now().getTime() - stoppedAt > RESUME_WITHIN_MS) position = null;
      if (!reading && timer === null) void tick();
    },
    stop() {
      running = false;
      stoppedAt = clock.now().getTime();
      timer?.cancel();
      timer = null;
    },
    running: () => running,
  };
}

/**
 * The newest event position (null for an empty store). Positions only grow, with gaps: doubling steps find
 * a bound, then a binary search narrows it, each probe one `limit: 1` read.
 */
async function newestPosition(store: PaymentStore): Promise<number | null> {
  const first = await store.listEventsSince({ after: null, limit: 1 });
  if (first.length === 0) return null;
  let known = first[0]!.position;
  const after = async (at: number) => (await store.listEventsSince({ after: at, limit: 1 }))[0]?.position;
  let step = 1;
  for (;;) {
    const next = await after(known + step - 1);
    if (next === undefined) break;
    known = next;
    step *= 2;
  }
  // no event after known + step - 1: search (known, known + step - 1] for the last one
  let high = known + step - 1;
  for (;;) {
    const next = await after(known);
    if (next === undefined || next > high) return known;
    const middle = Math.floor((next + high) / 2);
    const beyond = await after(middle);
    if (beyond === undefined) {
      known = next;
      high = middle;
    } else known = beyond;
  }
}
