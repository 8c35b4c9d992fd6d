import type { CircuitState } from './types.js';

/**
 * Consecutive failures open the circuit; after `probeIntervalMs` one probe call goes through (half-open);
 * its success closes the circuit, its failure (or silence for another interval) opens it again.
 */
export interface CircuitBreaker {
  readonly state: CircuitState;
  readonly consecutiveFailures: number;
  /** Null when a call may start at `now` (possibly as the probe); otherwise when to look again. */
  blockedUntil(now: number): number | null;
  /** A call starts: in open state past the interval, it becomes the single probe (half-open). */
  started(now: number): void;
  /** The provider answered (2xx, 4xx, 429): it is up. Returns true when this closed the circuit. */
  succeeded(): boolean;
  /** 5xx, timeout, reset. Returns true when this opened the circuit. */
  failed(now: number): boolean;
}

export function createCircuitBreaker(options: {
  failureThreshold: number;
  probeIntervalMs: number;
}): CircuitBreaker {
  let state: CircuitState = 'closed';
  let failures = 0;
  let openedAt = 0;
  let probeSentAt = 0;

  const open = (now: number) => {
    state = 'open';
    openedAt = now;
  };

  return {
    get state() {
      return state;
    },
    get consecutiveFailures() {
      return failures;
    },
    blockedUntil(now) {
      if (state === 'half_open') {
        const probeDeadline = probeSentAt + options.probeIntervalMs;
        if (now < probeDeadline) return probeDeadline;
        // the probe never reported (aborted, lost): count it as failed at its deadline
        open(probeDeadline);
      }
      if (state === 'open') {
        const probeAt = openedAt + options.probeIntervalMs;
        return now < probeAt ? probeAt : null;
      }
      return null;
    },
    started(now) {
      if (state !== 'open') return;
      state = 'half_open';
      probeSentAt = now;
    },
    succeeded() {
      failures = 0;
      if (state === 'closed') return false;
      state = 'closed';
      return true;
    },
    failed(now) {
      failures += 1;
      if (state === 'half_open' || (state === 'closed' && failures >= options.failureThreshold)) {
        open(now);
        return true;
      }
      return false;
    },
  };
}
