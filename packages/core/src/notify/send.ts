import { type Dispatcher, request } from 'undici';
import { parseRetryAfter } from '../client/retry-after.js';

/** A receiver's answer body is never used: read at most this much so the connection can be reused. */
const MAX_DRAINED_BYTES = 16 * 1024;

export type SendOutcome =
  | { kind: 'delivered'; status: number }
  /** 410 Gone: the receiver asks us to stop calling this URL (Standard Webhooks). */
  | { kind: 'gone'; status: 410 }
  /** Any other status (3xx included: redirects are never followed), or no answer at all. */
  | { kind: 'failed'; status: number | null; retryAfterMs?: number; error?: string };

export interface SendRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  dispatcher: Dispatcher;
  /** Aborts the send (the notifier's close()). */
  signal: AbortSignal;
  nowMs: number;
}

/**
 * One POST with a hard total timeout. undici's `request` follows no redirects (no redirect interceptor is
 * installed), so a 3xx comes back as a plain failure; no cookies or credentials are ever attached.
 */
export async function sendNotification(call: SendRequest): Promise<SendOutcome> {
  const signal = AbortSignal.any([call.signal, AbortSignal.timeout(call.timeoutMs)]);
  try {
    const response = await request(call.url, {
      method: 'POST',
      headers: call.headers,
      body: call.body,
      signal,
      dispatcher: call.dispatcher,
      headersTimeout: call.timeoutMs,
      bodyTimeout: call.timeoutMs,
    });
    await drain(response.body);
    const status = response.statusCode;
    if (status >= 200 && status < 300) return { kind: 'delivered', status };
    if (status === 410) return { kind: 'gone', status };
    const retryAfterMs = parseRetryAfter(response.headers['retry-after'], call.nowMs);
    return retryAfterMs === undefined ? { kind: 'failed', status } : { kind: 'failed', status, retryAfterMs };
  } catch (error) {
    return { kind: 'failed', status: null, error: describe(error) };
  }
}

async function drain(body: Dispatcher.ResponseData['body']): Promise<void> {
  let read = 0;
  try {
    for await (const chunk of body) {
      read += (chunk as Uint8Array).length;
      if (read > MAX_DRAINED_BYTES) break;
    }
  } catch {
    // the status line already decided the outcome; a broken body does not change it
  } finally {
    if (read > MAX_DRAINED_BYTES) body.destroy();
  }
}

/** A short, URL-free description: error codes and names, never a response body. */
function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${error.name} (${code})` : error.name;
  }
  return 'unknown error';
}
