import { Agent, type Dispatcher, request } from 'undici';
import { parseJsonSafely } from '../shared/safe-json.js';
import type { TransportFailure } from './provider-error.js';

/** Largest provider body we read; ClickPesa answers are a few KB (a list page of 100 payments is ~60 KB). */
const MAX_RESPONSE_BYTES = 2 * 1024 * 1024;

export interface HttpCall {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Total budget for connect + headers + body (POLL-11). */
  timeoutMs: number;
  signal?: AbortSignal;
  dispatcher: Dispatcher;
}

export type ParsedBody =
  | { kind: 'json'; value: unknown }
  | { kind: 'empty' }
  /** Not JSON (HTML page, truncated or malformed text): only its size is kept, never its content. */
  | { kind: 'unreadable'; bytes: number; contentType: string | undefined };

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: ParsedBody;
}

/** No HTTP answer: the request timed out, the connection failed, or the caller aborted. */
export class TransportError extends Error {
  readonly failure: TransportFailure;
  readonly detail: string;
  constructor(failure: TransportFailure, detail: string, cause?: unknown) {
    super(`transport ${failure}: ${detail}`, cause === undefined ? undefined : { cause });
    this.name = 'TransportError';
    this.failure = failure;
    this.detail = detail;
  }
}

class ResponseTooLarge extends Error {
  constructor(readonly bytes: number) {
    super('response body too large');
  }
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** Keep-alive agent used when the host injects no dispatcher. */
export function createDefaultAgent(connectTimeoutMs: number): Agent {
  return new Agent({
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 30_000,
    connections: 32,
    connect: { timeout: connectTimeoutMs },
  });
}

/** One HTTP exchange with a hard total timeout; the body is read fully (capped) and parsed as JSON if it can be. */
export async function sendHttp(call: HttpCall): Promise<HttpAnswer> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error('timeout'));
  }, call.timeoutMs);
  const onCallerAbort = () => controller.abort(call.signal?.reason);
  if (call.signal?.aborted) onCallerAbort();
  else call.signal?.addEventListener('abort', onCallerAbort, { once: true });

  try {
    const response = await request(call.url, {
      method: call.method,
      headers: call.headers,
      ...(call.body !== undefined ? { body: call.body } : {}),
      signal: controller.signal,
      dispatcher: call.dispatcher,
      headersTimeout: call.timeoutMs,
      bodyTimeout: call.timeoutMs,
    });
    const contentType = headerValue(response.headers['content-type']);
    let body: ParsedBody;
    try {
      body = parseBody(await readCapped(response.body), contentType);
    } catch (error) {
      if (!(error instanceof ResponseTooLarge)) throw error;
      body = { kind: 'unreadable', bytes: error.bytes, contentType };
    }
    return { status: response.statusCode, headers: response.headers as HttpAnswer['headers'], body };
  } catch (error) {
    throw classifyTransportError(error, timedOut, call.signal);
  } finally {
    clearTimeout(timer);
    call.signal?.removeEventListener('abort', onCallerAbort);
  }
}

async function readCapped(body: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = Buffer.from(chunk);
    size += buffer.length;
    if (size > MAX_RESPONSE_BYTES) throw new ResponseTooLarge(size);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function parseBody(text: string, contentType: string | undefined): ParsedBody {
  if (text.trim() === '') return { kind: 'empty' };
  try {
    return { kind: 'json', value: parseJsonSafely(text) };
  } catch {
    return { kind: 'unreadable', bytes: Buffer.byteLength(text), contentType };
  }
}

function classifyTransportError(error: unknown, timedOut: boolean, callerSignal?: AbortSignal): Error {
  if (timedOut) return new TransportError('timeout', 'timeout', error);
  if (callerSignal?.aborted) return new TransportError('aborted', 'aborted by caller', error);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TIMEOUT_CODES.has(code)) return new TransportError('timeout', code, error);
  const detail = typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown error';
  return new TransportError('network', detail, error);
}
