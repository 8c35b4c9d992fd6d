import type { Clock } from '@clickpesa-kit/core';

/**
 * A clock running `factor` times faster than real time: a simulated minute passes in 60/factor real seconds.
 * Every participant (sandbox, budget, poller, customers) reads this one clock, so rates measured per
 * simulated minute are honest; only real network and CPU latency is stretched by the factor.
 */
export function createScaledClock(factor: number, start: number = Date.now()): Clock {
  const origin = performance.now();
  return {
    now: () => new Date(start + (performance.now() - origin) * factor),
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const timer = setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, ms / factor);
        const onAbort = () => {
          clearTimeout(timer);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    setTimeout: (fn, ms) => {
      const timer = setTimeout(fn, ms / factor);
      return { cancel: () => clearTimeout(timer) };
    },
  };
}
