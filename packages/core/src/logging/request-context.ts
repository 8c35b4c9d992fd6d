import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The request a piece of work runs for. Every log line written while the route handler answers one request
 * carries these fields, however deep in the service or the client it is written: the handler runs the
 * request inside {@link withRequestContext}, and the kit's logger reads it back (`logging/context-logger.ts`).
 */
export interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `work` (and everything it awaits) as part of the request described by `context`. */
export function withRequestContext<T>(context: RequestContext, work: () => T): T {
  return storage.run(context, work);
}

/** The request the caller runs for, or undefined outside a request (poller, dispatcher, host jobs). */
export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

/** Header names: lower-case, as adapters hand them over. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * A caller's `x-request-id` is kept when it is a short token (a proxy's or a load balancer's id), so one id
 * follows the request through every service; anything else (too long, spaces, control characters, a list)
 * is replaced by a fresh id rather than written into our logs.
 */
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:@=+/-]{1,128}$/;

export function requestIdOf(headers: Record<string, string | string[] | undefined>): string {
  const given = headers[REQUEST_ID_HEADER];
  if (typeof given === 'string' && ACCEPTED_REQUEST_ID.test(given)) return given;
  return globalThis.crypto.randomUUID();
}
