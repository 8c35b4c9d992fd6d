import type { DispatcherOptions } from './types.js';

export type ResolvedDispatcherOptions = Required<DispatcherOptions>;

/**
 * Defaults sized so that a handler failing for a while (a database restart, a deploy of the service it calls)
 * still gets every event once it recovers: 25 attempts with waits 1 s, 2 s, 4 s ... capped at 10 min span
 * about 2.7 hours before an event becomes a dead letter.
 */
export const DEFAULT_DISPATCHER_OPTIONS: ResolvedDispatcherOptions = Object.freeze({
  pollIntervalMs: 1_000,
  batchSize: 50,
  concurrency: 8,
  handlerTimeoutMs: 30_000,
  maxAttempts: 25,
  retryBaseMs: 1_000,
  retryMaxMs: 10 * 60_000,
  shutdownGraceMs: 10_000,
});

export function resolveDispatcherOptions(options: DispatcherOptions = {}): ResolvedDispatcherOptions {
  const resolved = { ...DEFAULT_DISPATCHER_OPTIONS };
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) (resolved as Record<string, unknown>)[key] = value;
  }
  return resolved;
}

/** ±20 %: spreads the retries of events that failed together, so a recovering handler is not hit at once. */
const JITTER = 0.2;

/**
 * The wait after failed attempt number `failures` (1 = the first failure): base · 2^(failures − 1), jittered,
 * never above `retryMaxMs`; null once `maxAttempts` failures are reached (a dead letter).
 */
export function backoffMs(
  failures: number,
  options: Pick<ResolvedDispatcherOptions, 'maxAttempts' | 'retryBaseMs' | 'retryMaxMs'>,
  random: () => number,
): number | null {
  if (failures >= options.maxAttempts) return null;
  const exponential = options.retryBaseMs * 2 ** Math.min(failures - 1, 40);
  const capped = Math.min(exponential, options.retryMaxMs);
  return Math.min(options.retryMaxMs, Math.round(capped * (1 - JITTER + 2 * JITTER * random())));
}
