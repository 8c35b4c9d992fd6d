import { type Clock, systemClock } from '../clock.js';
import {
  FINAL_STATUSES,
  PAYMENT_STATUSES,
  type PaymentRecord,
  type PaymentStatus,
} from '../domain/payment.js';
import { ClickPesaKitError } from '../errors.js';
import type { PaymentService, StatusResult } from '../service/types.js';
import { closableOf } from './close-signal.js';
import { errorResponse } from './envelope.js';
import type { PaymentWatch, PaymentWatchListener } from './payment-watch.js';
import { toPublicPayment } from './public-payment.js';
import { TextStream } from './text-stream.js';
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
const HEARTBEAT = ': heartbeat\n\n';

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
  /** Times the long-poll wait, reader renewals and heartbeats: the kit's clock (scaled or manual too). */
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

  /** Takes one of the owner's connection slots; false when they are all taken. */
  const acquire = (ownerId: string): boolean => {
    const open = perOwner.get(ownerId) ?? 0;
    if (open >= maxPerOwner) return false;
    perOwner.set(ownerId, open + 1);
    connections++;
    return true;
  };
  const release = (ownerId: string) => {
    connections--;
    const left = (perOwner.get(ownerId) ?? 1) - 1;
    if (left === 0) perOwner.delete(ownerId);
    else perOwner.set(ownerId, left);
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
  /** Registers a listener of `paymentId`; the first one reads now (`firstRead`). Undone by `removeReader`. */
  const addReader = (ownerId: string, paymentId: string, firstRead: StatusResult) => {
    const existing = readers.get(paymentId);
    if (existing) existing.count++;
    else {
      readers.set(paymentId, { count: 1, timer: null });
      readAgain(ownerId, paymentId, firstRead.pollAfterMs);
    }
  };
  const removeReader = (paymentId: string) => {
    const reader = readers.get(paymentId);
    if (!reader || --reader.count > 0) return;
    reader.timer?.cancel();
    readers.delete(paymentId);
  };

  // one timer for every open stream, not one each: it exists only while a stream is open; a Clock has no
  // interval, so each beat arms the next one before it writes
  const heartbeats = new Set<TextStream>();
  let heartbeat: { cancel(): void } | null = null;
  const beatAll = () => {
    heartbeat = clock.setTimeout(beatAll, heartbeatMs);
    for (const stream of heartbeats) stream.push(HEARTBEAT);
  };
  const addHeartbeat = (stream: TextStream) => {
    heartbeats.add(stream);
    if (heartbeat === null) heartbeat = clock.setTimeout(beatAll, heartbeatMs);
  };
  const removeHeartbeat = (stream: TextStream) => {
    if (!heartbeats.delete(stream) || heartbeats.size > 0 || heartbeat === null) return;
    heartbeat.cancel();
    heartbeat = null;
  };

  /**
   * One open event stream: the chunks for the adapter, the watch listener of its payment, and what it holds
   * (connection slot, reader, heartbeat, client listener), all freed once when it ends. It keeps only the
   * version and status of what it sent: thousands of open streams hold no payment copies.
   */
  class PaymentStream extends TextStream implements PaymentWatchListener {
    lastVersion: number | null = null;
    lastStatus: PaymentStatus | null = null;
    // a change heard before the first read answers: sent after it if it is newer still
    pending: PaymentRecord | null = null;
    reading = false;
    unsubscribe: (() => void) | null = null;
    // the request's signal, when the adapter gave no closable to listen to
    signal: AbortSignal | undefined = undefined;

    constructor(
      readonly ownerId: string,
      readonly paymentId: string,
    ) {
      super();
    }

    send(payment: PaymentRecord) {
      this.lastVersion = payment.version;
      this.lastStatus = payment.status;
      this.push(sseEvent(payment, redact, serialised));
      if (FINAL_STATUSES.has(payment.status)) this.end();
    }

    change(payment: PaymentRecord) {
      if (this.lastVersion === null) {
        if (!this.pending || payment.version > this.pending.version) this.pending = payment;
      } else if (payment.version > this.lastVersion) {
        if (payment.status !== this.lastStatus) this.send(payment);
        else this.lastVersion = payment.version;
      }
    }

    closed() {
      this.end();
    }

    /** The request's signal aborted (an EventListener object: no closure per stream). */
    handleEvent() {
      this.end();
    }

    /** Ends the stream when the client goes away, from now on: the first read may take a while. */
    watchClient(request: HandlerRequest) {
      const closable = closableOf(request);
      if (closable) {
        if (closable.destroyed) return this.end();
        // `on`, not `once`: a response closes once, and `once` wraps each listener in two more objects
        const onClose = () => this.end();
        if (closable.on) closable.on('close', onClose);
        else closable.once('close', onClose);
        return;
      }
      const { signal } = request;
      if (signal?.aborted) return this.end();
      this.signal = signal;
      signal?.addEventListener('abort', this, { once: true });
    }

    protected override ended() {
      this.unsubscribe?.();
      removeHeartbeat(this);
      if (this.reading) removeReader(this.paymentId);
      release(this.ownerId);
      this.signal?.removeEventListener('abort', this);
    }
  }

  const busy = () =>
    errorResponse('RATE_LIMITED', {
      message: 'Too many open status connections for this account; close one or try again later',
      headers: { 'retry-after': String(BUSY_RETRY_AFTER_S) },
    });

  return {
    async events(request, paymentId, ownerId) {
      if (!acquire(ownerId)) return busy();
      const stream = new PaymentStream(ownerId, paymentId);
      // the client may leave during the first read: listen from now on
      stream.watchClient(request);
      if (!stream.isEnded) stream.unsubscribe = watch.subscribe(paymentId, stream);
      if (!stream.isEnded) addHeartbeat(stream);
      let current: PaymentRecord;
      try {
        const read = await service.refreshStatus(ownerId, paymentId);
        current = read.payment;
        if (!stream.isEnded) {
          addReader(ownerId, paymentId, read);
          stream.reading = true;
        }
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
      stream.push(`retry: ${RECONNECT_MS}\n\n`);
      const newer = stream.pending;
      stream.pending = null;
      if (known === current.version) {
        stream.lastVersion = current.version;
        stream.lastStatus = current.status;
      } else stream.send(current);
      if (newer && newer.version > current.version && newer.status !== current.status) stream.send(newer);
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
        stream,
      };
    },

    async waitForStatus(request, paymentId, ownerId, answer) {
      const { signal } = request;
      const waitMs = Math.min(waitParam(request.query?.wait), maxWaitMs);
      const knownStatus = knownParam(request);
      if (!acquire(ownerId)) return busy();
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
      let reading = false;
      try {
        const read = await service.refreshStatus(ownerId, paymentId);
        const first = read.payment;
        addReader(ownerId, paymentId, read);
        reading = true;
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
        if (reading) removeReader(paymentId);
        unsubscribe();
        release(ownerId);
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
