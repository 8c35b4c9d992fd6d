import type { HandlerRequest } from './types.js';

/** What adapters hand over: the framework's response (or socket) that emits `close` when the client is gone. */
export interface Closable {
  once(event: 'close', listener: () => void): unknown;
  on?(event: 'close', listener: () => void): unknown;
  readonly destroyed?: boolean;
}

const CLOSABLE = Symbol('closable');

/**
 * Gives `request` a `signal` that aborts when `closable` closes, created only when a route reads it (the
 * event stream and the long poll do; the other routes never pay for an AbortController and a listener).
 */
export function attachCloseSignal<T extends HandlerRequest>(request: T, closable: Closable): T {
  let signal: AbortSignal | undefined;
  Object.defineProperty(request, 'signal', {
    configurable: true,
    enumerable: false,
    get() {
      if (!signal) {
        const controller = new AbortController();
        signal = controller.signal;
        if (closable.destroyed) controller.abort();
        else closable.once('close', () => controller.abort());
      }
      return signal;
    },
  });
  Object.defineProperty(request, CLOSABLE, { configurable: true, enumerable: false, value: closable });
  return request;
}

/**
 * The adapter's response behind `request` when `attachCloseSignal` made it: an event stream listens to its
 * `close` directly rather than create the signal (an AbortController, its EventTarget and listener records
 * for every open stream).
 */
export function closableOf(request: HandlerRequest): Closable | undefined {
  return (request as { [CLOSABLE]?: Closable })[CLOSABLE];
}
