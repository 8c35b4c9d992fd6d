import type { Clock } from '../clock.js';

/** A clock that only moves when told to: tests run a 72 h schedule in milliseconds. */
export interface ManualClock extends Clock {
  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way, in due order, each at its own
   * time, and letting the promise callbacks they start run before the next one fires.
   */
  advance(ms: number): Promise<void>;
  /** Moves time forward to `at` (no-op when `at` is in the past). */
  advanceTo(at: Date | number): Promise<void>;
  /** Number of timers (sleeps included) waiting to fire. */
  pendingTimers(): number;
  /** When the earliest timer fires, or null when none is waiting. */
  nextTimerAt(): Date | null;
}

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

/** Lets promise chains started by a timer settle before time moves on (a few macrotask turns). */
async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export function createManualClock(start: Date | number = Date.UTC(2026, 0, 1, 8, 0, 0)): ManualClock {
  let current = typeof start === 'number' ? start : start.getTime();
  let nextId = 1;
  const timers: Timer[] = [];

  const schedule = (fn: () => void, ms: number): Timer => {
    const timer = { id: nextId++, at: current + Math.max(0, ms), fn };
    timers.push(timer);
    // stable order: due time, then creation order
    timers.sort((a, b) => a.at - b.at || a.id - b.id);
    return timer;
  };
  const cancel = (timer: Timer) => {
    const index = timers.indexOf(timer);
    if (index >= 0) timers.splice(index, 1);
  };

  const advanceTo = async (target: number) => {
    await settle();
    while (timers.length > 0 && timers[0]!.at <= target) {
      const timer = timers.shift()!;
      current = Math.max(current, timer.at);
      timer.fn();
      await settle();
    }
    current = Math.max(current, target);
    await settle();
  };

  return {
    now: () => new Date(current),
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const onAbort = () => {
          cancel(timer);
          reject(signal?.reason);
        };
        const timer = schedule(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, ms);
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    setTimeout: (fn, ms) => {
      const timer = schedule(fn, ms);
      return { cancel: () => cancel(timer) };
    },
    advance: (ms) => advanceTo(current + Math.max(0, ms)),
    advanceTo: (at) => advanceTo(typeof at === 'number' ? at : at.getTime()),
    pendingTimers: () => timers.length,
    nextTimerAt: () => (timers[0] ? new Date(timers[0].at) : null),
  };
}
