import { type Clock, systemClock } from '../clock.js';
import {
  FINAL_STATUSES,
  PAYMENT_STATUSES,
  type PaymentRecord,
  type PaymentStatus,
} from '../domain/payment.js';
import { ClickPesaKitError } from '../errors.js';
import type { PaymentService, StatusResult } from '../service/types.js';
import { errorResponse } from './envelope.js';
import type { PaymentWatch } from './payment-watch.js';
import { toPublicPayment } from './public-payment.js';
import type { HandlerRequest, HandlerResponse } from './types.js';

/** The push routes' limits (the kit's `push` option). */
export interface PushRouteOptions {
  /** Open event streams and long polls per owner in this process; one more gets 429. Default 20. */
  maxConnectionsPerOwner?: number;
  /** A comment line on every open event stream this often, so proxies keep it open. Default 15000. */
  heartbeatMs?: number;
  /** The longest `wait` of a long poll; a larger one is cut to this. Default 30000. */
  maxWaitMs?: number;
  /** How often one process reads a shared store's event cursor while someone listens. Default 500. */
  watchIntervalMs?: number;
}

export const DEFAULT_MAX_CONNECTIONS_PER_OWNER = 20;
export const DEFAULT_HEARTBEAT_MS = 15_000;
export const DEFAULT_MAX_WAIT_MS = 30_000;
/** What a browser's EventSource waits before reconnecting after a dropped stream. */
const RECONNECT_MS = 2_000;
const BUSY_RETRY_AFTER_S = 5;

export interface PushRoutes {
  /** `GET /payments/:id/events`: the payment at once, then each status change; ends after a final status. */
  events(request: HandlerRequest, paymentId: string, ownerId: string): Promise<HandlerResponse>;
  /**
   * `GET /payments/:id/status?wait=N`: holds the request until the status differs from the one the client
   * knows (`known=`, or `If-None-Match` with an earlier ETag) or `wait` seconds pass, then `answer()`.
   */
  waitForStatus(
    request: HandlerRequest,
    paymentId: string,
    ownerId: string,
    answer: () => Promise<HandlerResponse>,
  ): Promise<HandlerResponse>;
  /** Open streams and long polls, and heartbeat timers (0 when none is open). */
  stats(): { connections: number; timers: number };
}

export function createPushRoutes(deps: {
  service: PaymentService;
  watch: PaymentWatch;
  redact: (value: unknown) => unknown;
  options?: PushRouteOptions;
  /** Runs the long-poll wait, reader renewals and heartbeats: the kit's clock, so a scaled or manual one holds. */
  clock?: Clock;
}): PushRoutes {
  const { service, watch, redact } = deps;
  const clock = deps.clock ?? systemClock;
  const maxPerOwner = deps.options?.maxConnectionsPerOwner ?? DEFAULT_MAX_CONNECTIONS_PER_OWNER;
  const heartbeatMs = deps.options?.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const maxWaitMs = deps.options?.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  const perOwner = new Map<string, number>();
  const serialised = new WeakMap<PaymentRecord, string>();
  let connections = 0;
  // one timer for every open stream, not one each: it exists only while a stream is open
  const heartbeats = new Set<() => void>();
  let heartbeat: { cancel(): void } | null = null;

  const acquire = (ownerId: string): (() => void) | null => {
    const open = perOwner.get(ownerId) ?? 0;
    if (open >= maxPerOwner) return null;
    perOwner.set(ownerId, open + 1);
    connections++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      connections--;
      const left = (perOwner.get(ownerId) ?? 1) - 1;
      if (left === 0) perOwner.delete(ownerId);
      else perOwner.set(ownerId, left);
    };
  };

  // A page listening on an open payment is a reader, like one polling the status route: it asks for the
  // payment's checks (the status read records that demand in the store, and the poller serves it). One
  // reader per payment however many pages listen, renewed when the last answer says a new check is due.
  const readers = new Map<string, { count: number; timer: { cancel(): void } | null }>();
  const readAgain = (ownerId: string, paymentId: string, afterMs: number | null | undefined) => {
    const reader = readers.get(paymentId);
    if (!reader || afterMs === null || afterMs === undefined) return;
    reader.timer = clock.setTimeout(() => {
      reader.timer = null;
      if (readers.get(paymentId) !== reader) return;
      service.refreshStatus(ownerId, paymentId).then(
        (result) => readAgain(ownerId, paymentId, result.pollAfterMs),
        () => readAgain(ownerId, paymentId, heartbeatMs),
      );
    }, afterMs);
  };
  /** Registers a listener of `paymentId`; returns its release. The first one reads now (`firstRead`). */
  const addReader = (ownerId: string, paymentId: string, firstRead: StatusResult) => {
    const existing = readers.get(paymentId);
    if (existing) existing.count++;
    else {
      readers.set(paymentId, { count: 1, timer: null });
      readAgain(ownerId, paymentId, firstRead.pollAfterMs);
    }
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const reader = readers.get(paymentId);
      if (!reader || --reader.count > 0) return;
      reader.timer?.cancel();
      readers.delete(paymentId);
    };
  };

  // a Clock has no interval: each beat arms the next one before it writes
  const beatAll = () => {
    heartbeat = clock.setTimeout(beatAll, heartbeatMs);
    for (const each of heartbeats) each();
  };
  const addHeartbeat = (beat: () => void) => {
    heartbeats.add(beat);
    if (heartbeat === null) heartbeat = clock.setTimeout(beatAll, heartbeatMs);
    return () => {
      heartbeats.delete(beat);
      if (heartbeats.size === 0 && heartbeat !== null) {
        heartbeat.cancel();
        heartbeat = null;
      }
    };
  };

  const busy = () =>
    errorResponse('RATE_LIMITED', {
      message: 'Too many open status connections for this account; close one or try again later',
      headers: { 'retry-after': String(BUSY_RETRY_AFTER_S) },
    });

  return {
    async events(request, paymentId, ownerId) {
      // read first: an adapter may create the signal on first read, and the client may leave during the awaits
      const { signal } = request;
      const release = acquire(ownerId);
      if (!release) return busy();
      const stream = createTextStream();
      // only the version and status of what was sent: thousands of open streams hold no payment copies
      let lastVersion: number | null = null;
      let lastStatus: PaymentStatus | null = null;
      const send = (payment: PaymentRecord) => {
        lastVersion = payment.version;
        lastStatus = payment.status;
        stream.push(sseEvent(payment, redact, serialised));
        if (FINAL_STATUSES.has(payment.status)) stream.end();
      };
      let pending: PaymentRecord | null = null;
      const unsubscribe = watch.subscribe(paymentId, {
        change(payment) {
          if (lastVersion === null) {
            // before the first read answers: keep the newest, sent after it if it is newer still
            if (!pending || payment.version > pending.version) pending = payment;
          } else if (payment.version > lastVersion) {
            if (payment.status !== lastStatus) send(payment);
            else lastVersion = payment.version;
          }
        },
        closed: () => stream.end(),
      });
      const removeHeartbeat = addHeartbeat(() => stream.push(': heartbeat\n\n'));
      const onAbort = () => stream.end();
      let removeReader = () => {};
      stream.onEnd(() => {
        unsubscribe();
        removeHeartbeat();
        removeReader();
        release();
        signal?.removeEventListener('abort', onAbort);
      });
      let current: PaymentRecord;
      try {
        const read = await service.refreshStatus(ownerId, paymentId);
        current = read.payment;
        if (!stream.ended()) removeReader = addReader(ownerId, paymentId, read);
      } catch (error) {
        stream.end();
        throw error;
      }
      const known = lastEventId(request.headers);
      if (known === current.version && FINAL_STATUSES.has(current.status)) {
        // a browser reconnecting after the last event: 204 tells EventSource to stop
        stream.end();
        return { status: 204, headers: { 'cache-control': 'no-store' }, body: undefined };
      }
      if (signal?.aborted) stream.end();
      signal?.addEventListener('abort', onAbort, { once: true });
      stream.push(`retry: ${RECONNECT_MS}\n\n`);
      const newer = pending as PaymentRecord | null;
      pending = null;
      if (known === current.version) {
        lastVersion = current.version;
        lastStatus = current.status;
      } else send(current);
      if (newer && newer.version > current.version && newer.status !== current.status) send(newer);
      return {
        status: 200,
        headers: {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store, no-transform',
          'x-content-type-options': 'nosniff',
          // nginx would otherwise buffer the stream
          'x-accel-buffering': 'no',
        },
        body: undefined,
        stream: stream.iterable,
      };
    },

    async waitForStatus(request, paymentId, ownerId, answer) {
      const { signal } = request;
      const waitMs = Math.min(waitParam(request.query?.wait), maxWaitMs);
      const knownStatus = knownParam(request);
      const release = acquire(ownerId);
      if (!release) return busy();
      let wake: () => void = () => {};
      const woken = new Promise<void>((resolve) => {
        wake = resolve;
      });
      // the newest state heard (from before the first read answers, too), and the status being waited out
      let newest: PaymentRecord | null = null;
      let expected: PaymentStatus | null = null;
      const changed = () =>
        newest !== null &&
        expected !== null &&
        (newest.status !== expected || FINAL_STATUSES.has(newest.status));
      const unsubscribe = watch.subscribe(paymentId, {
        change(payment) {
          if (newest !== null && payment.version <= newest.version) return;
          newest = payment;
          if (changed()) wake();
        },
        closed: () => wake(),
      });
      const onAbort = () => wake();
      let timer: { cancel(): void } | undefined;
      let removeReader = () => {};
      try {
        const read = await service.refreshStatus(ownerId, paymentId);
        const first = read.payment;
        removeReader = addReader(ownerId, paymentId, read);
        if (newest === null || first.version > (newest as PaymentRecord).version) newest = first;
        expected = knownStatus ?? first.status;
        if (!changed() && waitMs > 0 && !signal?.aborted) {
          signal?.addEventListener('abort', onAbort, { once: true });
          timer = clock.setTimeout(wake, waitMs);
          await woken;
        }
      } finally {
        timer?.cancel();
        signal?.removeEventListener('abort', onAbort);
        removeReader();
        unsubscribe();
        release();
      }
      const response = await answer();
      const status = (response.body as { data?: { status?: unknown } } | undefined)?.data?.status;
      if (typeof status === 'string') response.headers.etag = etagOf(status);
      return response;
    },

    stats: () => ({ connections, timers: (heartbeat === null ? 0 : 1) + readers.size }),
  };
}

/**
 * One Server-Sent Event: `id` is the payment's version (Last-Event-ID on reconnect), data its public JSON.
 * Every stream of a payment hears the same record object: it is serialised once, not once per stream.
 */
function sseEvent(
  payment: PaymentRecord,
  redact: (value: unknown) => unknown,
  serialised: WeakMap<PaymentRecord, string>,
): string {
  let event = serialised.get(payment);
  if (event === undefined) {
    const data = JSON.stringify(redact(toPublicPayment(payment)));
    event = `id: ${payment.version}\nevent: payment\ndata: ${data}\n\n`;
    serialised.set(payment, event);
  }
  return event;
}

/** The status as the long poll's ETag: a client sends it back in If-None-Match to wait for a change. */
export function etagOf(status: string): string {
  return `"${status}"`;
}

function lastEventId(headers: HandlerRequest['headers']): number | null {
  const raw = headers['last-event-id'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value.trim())) return null;
  return Number(value.trim());
}

/** `wait` in seconds (decimals allowed), in ms; anything else is a 400 naming the parameter. */
function waitParam(raw: string | string[] | undefined): number {
  const value = Array.isArray(raw) ? raw[0] : raw;
  const seconds =
    typeof value === 'string' && /^\d{1,6}(\.\d{1,3})?$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isFinite(seconds)) {
    throw new ClickPesaKitError('VALIDATION_ERROR', {
      message: 'wait must be a number of seconds, e.g. wait=30',
      details: [{ field: 'wait', message: 'must be a number of seconds' }],
    });
  }
  return seconds * 1000;
}

/** The status the client already has: `known=` first, else an `If-None-Match` ETag; null means "the current one". */
function knownParam(request: HandlerRequest): PaymentStatus | null {
  const raw = request.query?.known;
  const fromQuery = Array.isArray(raw) ? raw[0] : raw;
  const header = request.headers['if-none-match'];
  const tag = (Array.isArray(header) ? header[0] : header)?.replace(/^W\//, '').replace(/"/g, '').trim();
  const value = fromQuery ?? tag;
  if (value === undefined || value === '') return null;
  if ((PAYMENT_STATUSES as readonly string[]).includes(value)) return value as PaymentStatus;
  if (fromQuery === undefined) return null; // a foreign ETag: wait for any change
  throw new ClickPesaKitError('VALIDATION_ERROR', {
    message: `known must be a payment status: ${PAYMENT_STATUSES.join(', ')}`,
    details: [{ field: 'known', message: 'must be a payment status' }],
  });
}

/**
 * A queue of text chunks read as an async iterable by the adapter. `end()` (client gone, final status,
 * shutdown) finishes the iteration; so does the adapter breaking out of its loop. `onEnd` runs once.
 */
function createTextStream() {
  const chunks: string[] = [];
  let ended = false;
  let waiting: ((result: IteratorResult<string>) => void) | null = null;
  const endHooks: (() => void)[] = [];
  const end = () => {
    if (ended) return;
    ended = true;
    for (const hook of endHooks.splice(0)) hook();
    if (waiting && chunks.length === 0) {
      const resolve = waiting;
      waiting = null;
      resolve({ done: true, value: undefined });
    }
  };
  const iterator: AsyncIterator<string> = {
    next() {
      const chunk = chunks.shift();
      if (chunk !== undefined) return Promise.resolve({ done: false, value: chunk });
      if (ended) return Promise.resolve({ done: true, value: undefined });
      return new Promise((resolve) => {
        waiting = resolve;
      });
    },
    return() {
      chunks.length = 0;
      end();
      return Promise.resolve({ done: true, value: undefined });
    },
  };
  return {
    push(chunk: string) {
      if (ended) return;
      if (waiting) {
        const resolve = waiting;
        waiting = null;
        resolve({ done: false, value: chunk });
      } else chunks.push(chunk);
    },
    end,
    ended: () => ended,
    onEnd(hook: () => void) {
      if (ended) hook();
      else endHooks.push(hook);
    },
    iterable: { [Symbol.asyncIterator]: () => iterator } as AsyncIterable<string>,
  };
}
