import type { CallOptions, FetchLike, TokenSource, TransportOptions } from './http.js';
import type { Payment, PaymentResponse } from './types.js';
import {
  finalResult,
  isFinalStatus,
  TIMEOUT_MESSAGE,
  type WaitOptions,
  type WaitResult,
  waitForPayment,
} from './wait.js';

type GetStatus = (paymentId: string, options: CallOptions) => Promise<PaymentResponse>;

/** Why the push route could not be used: the wait goes on by polling. */
class PushUnavailable extends Error {}

/**
 * `waitForPayment` on the push route: one `GET /payments/:id/events` stream (a fetch stream reader, in
 * browsers and Node alike, so the `Authorization` header goes with it, which EventSource cannot send)
 * that delivers each status change the moment the server stores it. When the server has no such route,
 * refuses it (429, 404...) or the stream drops before a final status, the wait falls back to polling the
 * status route, which also reports a final status the stream missed.
 */
export async function waitWithPush(
  transport: TransportOptions,
  getStatus: GetStatus,
  paymentId: string,
  options: WaitOptions = {},
): Promise<WaitResult> {
  const limitMs = pushLimitMs(options);
  // bad options are refused by the polling wait, before any request
  if (options.push === false || limitMs === null) return waitForPayment(getStatus, paymentId, options);
  let last: Payment | null = null;
  let events = 0;
  try {
    const outcome = await followEvents(transport, paymentId, limitMs, options.signal, (payment) => {
      last = payment;
      events += 1;
      options.onUpdate?.(payment, {
        attempt: events,
        maxAttempts: options.maxAttempts ?? 6,
        providerStatus: null,
        live: true,
      });
    });
    const seen = last as Payment | null;
    if (outcome === 'final' && seen) return finalResult({ payment: seen, providerStatus: null }, events);
    if (outcome === 'timeout') {
      return {
        outcome: 'timeout',
        payment: seen,
        providerStatus: null,
        attempts: events,
        message: TIMEOUT_MESSAGE,
      };
    }
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason ?? error;
    if (!(error instanceof PushUnavailable)) throw error;
  }
  // no push route, or the stream ended early: poll as before, starting at once when the stream had answered
  return waitForPayment(getStatus, paymentId, events > 0 ? { ...options, initialDelayMs: 0 } : options);
}

/** The whole wait the polling defaults allow (first check plus every interval), the stream's limit too. */
function pushLimitMs(options: WaitOptions): number | null {
  const initial = options.initialDelayMs ?? 15_000;
  const interval = options.intervalMs ?? 10_000;
  const attempts = options.maxAttempts ?? 6;
  const valid = [initial, interval].every((ms) => Number.isFinite(ms) && ms >= 0);
  if (!valid || !Number.isInteger(attempts) || attempts < 1) return null;
  return initial + interval * (attempts - 1);
}

async function followEvents(
  transport: TransportOptions,
  paymentId: string,
  limitMs: number,
  signal: AbortSignal | undefined,
  onPayment: (payment: Payment) => void,
): Promise<'final' | 'timeout'> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, limitMs);
  try {
    const url = `${transport.baseUrl.replace(/\/+$/, '')}/payments/${encodeURIComponent(paymentId)}/events`;
    const headers = await streamHeaders(transport.token, transport.headers);
    const fetchImpl: FetchLike = transport.fetch ?? ((input, init) => globalThis.fetch(input, init));
    let response: Response;
    try {
      response = await fetchImpl(url, { method: 'GET', headers, signal: controller.signal });
    } catch (error) {
      if (timedOut) return 'timeout';
      if (signal?.aborted) throw error;
      throw new PushUnavailable('the event stream could not be opened');
    }
    const type = response.headers.get('content-type') ?? '';
    if (response.status !== 200 || !type.startsWith('text/event-stream') || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      throw new PushUnavailable(`the event stream answered ${response.status}`);
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (timedOut) return 'timeout';
        if (signal?.aborted) throw error;
        throw new PushUnavailable('the event stream dropped');
      }
      if (chunk.done) throw new PushUnavailable('the event stream ended before a final status');
      buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n?/g, '\n');
      for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
        const payment = paymentOf(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (!payment) continue;
        onPayment(payment);
        if (isFinalStatus(payment.status)) {
          await finishReading(reader);
          return 'final';
        }
      }
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * The server ends the stream right after a final status: read to that end (briefly), so the response
 * completes and its connection is reused or closed cleanly. Cancelling mid-response instead left Node's
 * fetch holding a fresh connection the server could not tell from a slow request (a server then waited for
 * it on shutdown).
 */
async function finishReading(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const giveUp = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), FINISH_READING_MS);
  });
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), giveUp]);
      if (next === 'late' || next.done) break;
    }
  } catch {
    // the stream broke after the final event: nothing left to read
  } finally {
    clearTimeout(timer);
  }
  await reader.cancel().catch(() => undefined);
}

const FINISH_READING_MS = 1_000;

/** The payment of one `event: payment` block (its `data:` lines joined), or null for comments and others. */
function paymentOf(block: string): Payment | null {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  if (event !== 'payment' || data.length === 0) return null;
  try {
    const payment = JSON.parse(data.join('\n')) as Payment;
    return typeof payment?.id === 'string' && typeof payment.status === 'string' ? payment : null;
  } catch {
    return null;
  }
}

async function streamHeaders(token: TokenSource | undefined, extra: Record<string, string> | undefined) {
  const headers = new Headers({ accept: 'text/event-stream', ...extra });
  const value = typeof token === 'function' ? await token() : token;
  if (value) headers.set('authorization', /^bearer /i.test(value) ? value : `Bearer ${value}`);
  return headers;
}
