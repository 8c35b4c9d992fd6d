import { describe, expect, it } from 'vitest';
import { createProviderBudget } from '../../src/budget/budget.js';
import type { ProviderBudgetOptions } from '../../src/budget/types.js';
import { isClickPesaKitError } from '../../src/errors.js';
import type { ProviderEndpoint } from '../../src/events.js';
import type { SharedBudget } from '../../src/store/contract.js';
import { createManualClock, type ManualClock } from '../../src/testing/manual-clock.js';

type Priority = 'user' | 'background';

/** Starts acquires and records, in clock time, when each one was granted (or how it failed). */
function harness(options: ProviderBudgetOptions = {}, clock: ManualClock = createManualClock()) {
  // exact arithmetic in these tests; the latency margin has its own test
  const budget = createProviderBudget({ clock, windowMarginMs: 0, ...options });
  const grants: { at: number; priority: Priority; label: string }[] = [];
  const failures: { label: string; error: unknown }[] = [];
  const t0 = clock.now().getTime();
  const acquire = (
    priority: Priority,
    label: string = priority,
    endpoint: ProviderEndpoint = 'query',
    signal?: AbortSignal,
  ) =>
    budget.acquire(endpoint, { priority, ...(signal ? { signal } : {}) }).then(
      () => {
        grants.push({ at: clock.now().getTime() - t0, priority, label });
      },
      (error: unknown) => {
        failures.push({ label, error });
      },
    );
  return { budget, clock, grants, failures, acquire, elapsed: () => clock.now().getTime() - t0 };
}

/** Max grants inside any window of `windowMs` (a grant at g counts in (g - windowMs, g]). */
function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  for (let i = 0; i < times.length; i++) {
    let count = 0;
    for (let j = i; j < times.length && times[j]! < times[i]! + windowMs; j++) count++;
    best = Math.max(best, count);
  }
  return best;
}

describe('provider budget: rate', () => {
  it('never grants more than the limit in any 60 s window and drains a backlog at the budget rate', async () => {
    const { grants, acquire, clock } = harness({ requestsPerMinute: 120 });
    for (let i = 0; i < 400; i++) void acquire('background');
    await clock.advance(180_000);
    const times = grants.map((g) => g.at);
    expect(maxInWindow(times, 60_000)).toBeLessThanOrEqual(120);
    // steady 2/s: 2 at once (burst), then one every 500 ms
    expect(times.slice(0, 4)).toEqual([0, 0, 500, 1_000]);
    expect(grants.length).toBeGreaterThanOrEqual(355);
    // no second ever sees more than burst + rate
    expect(maxInWindow(times, 1_000)).toBeLessThanOrEqual(3);
  });

  it('keeps a margin so calls granted at the edge of a window cannot arrive inside the next one', async () => {
    const { grants, acquire, clock } = harness({ requestsPerMinute: 120, windowMarginMs: 1_000 });
    for (let i = 0; i < 400; i++) void acquire('background');
    await clock.advance(120_000);
    // even if each call arrived up to 1 s later than granted, no 60 s window would hold more than 120
    expect(
      maxInWindow(
        grants.map((g) => g.at),
        61_000,
      ),
    ).toBeLessThanOrEqual(120);
    expect(grants.length).toBeGreaterThan(230);
  });

  it('serves user calls before waiting background calls', async () => {
    const { grants, acquire, clock } = harness({ requestsPerMinute: 60, burst: 1, backgroundShare: 0 });
    for (let i = 0; i < 5; i++) void acquire('background', `bg${i}`);
    for (let i = 0; i < 3; i++) void acquire('user', `user${i}`);
    await clock.advance(10_000);
    // bg0 took the one free token before the user calls arrived; then users first
    expect(grants.map((g) => g.label)).toEqual([
      'bg0',
      'user0',
      'user1',
      'user2',
      'bg1',
      'bg2',
      'bg3',
      'bg4',
    ]);
  });

  it('keeps a small background share under a stream of user calls, so polling is never starved', async () => {
    const { grants, acquire, clock } = harness({ requestsPerMinute: 120, backgroundShare: 0.1 });
    for (let i = 0; i < 50; i++) void acquire('background');
    for (let i = 0; i < 300; i++) void acquire('user');
    await clock.advance(60_000);
    const background = grants.filter((g) => g.priority === 'background').length;
    const user = grants.filter((g) => g.priority === 'user').length;
    expect(user).toBeGreaterThan(100);
    expect(background).toBeGreaterThanOrEqual(9);
    expect(background).toBeLessThanOrEqual(14);
    expect(
      maxInWindow(
        grants.map((g) => g.at),
        60_000,
      ),
    ).toBeLessThanOrEqual(120);
  });

  it('shares one bucket across instances through store.budget', async () => {
    const clock = createManualClock();
    const buckets = new Map<string, { tokens: number; at: number }>();
    // the contract's semantics, as a store keeps them (one row per bucket name)
    const shared: SharedBudget = {
      async take(name, capacity, intervalMs, now) {
        const rate = capacity / intervalMs;
        const bucket = buckets.get(name) ?? { tokens: capacity, at: now.getTime() };
        bucket.tokens = Math.min(capacity, bucket.tokens + (now.getTime() - bucket.at) * rate);
        bucket.at = now.getTime();
        buckets.set(name, bucket);
        if (bucket.tokens >= 1) {
          bucket.tokens -= 1;
          return 0;
        }
        return Math.ceil((1 - bucket.tokens) / rate);
      },
    };
    const a = harness({ requestsPerMinute: 120, shared }, clock);
    const b = harness({ requestsPerMinute: 120, shared }, clock);
    for (let i = 0; i < 200; i++) {
      void a.acquire('background');
      void b.acquire('background');
    }
    await clock.advance(120_000);
    const times = [...a.grants, ...b.grants].map((g) => g.at).sort((x, y) => x - y);
    expect(maxInWindow(times, 60_000)).toBeLessThanOrEqual(120);
    expect(times.length).toBeGreaterThan(200);
    // both instances get calls through (who wins a given token is a race, as between real processes)
    expect(a.grants.length).toBeGreaterThan(20);
    expect(b.grants.length).toBeGreaterThan(20);
  });

  it('forgets a waiter whose signal aborts', async () => {
    const { grants, failures, acquire, clock } = harness({ requestsPerMinute: 60, burst: 1 });
    void acquire('background', 'first');
    const controller = new AbortController();
    void acquire('background', 'aborted', 'query', controller.signal);
    void acquire('background', 'third');
    controller.abort(new Error('stop'));
    await clock.advance(5_000);
    expect(grants.map((g) => g.label)).toEqual(['first', 'third']);
    expect(failures.map((f) => f.label)).toEqual(['aborted']);
  });
});

describe('provider budget: rate-limit pauses (POLL-6)', () => {
  it('pauses the class for Retry-After: no grant for 30 s of clock, then resumes', async () => {
    const { budget, grants, failures, acquire, clock } = harness();
    await acquire('background', 'before');
    budget.report('query', { kind: 'rate_limited', retryAfterMs: 30_000 });
    for (let i = 0; i < 5; i++) void acquire('background', `bg${i}`);
    // ClickPesa's limit is per IP across endpoints: by default initiates pause too, and a user call fails fast
    void acquire('user', 'initiate', 'initiate');
    await clock.advance(29_999);
    expect(grants.map((g) => g.label)).toEqual(['before']);
    expect(failures).toHaveLength(1);
    expect(isClickPesaKitError(failures[0]!.error, 'PROVIDER_RATE_LIMITED')).toBe(true);
    expect((failures[0]!.error as { retryAfterMs?: number }).retryAfterMs).toBe(30_000);
    await clock.advance(1);
    expect(grants.at(-1)!.at).toBeGreaterThanOrEqual(30_000);
    await clock.advance(5_000);
    expect(grants).toHaveLength(6);
    expect(Math.min(...grants.slice(1).map((g) => g.at))).toBe(30_000);
  });

  it('caps a far-future pause and falls back to a jittered backoff for a garbage value', async () => {
    const { budget, grants, acquire, clock } = harness({ maxPauseMs: 60_000, random: () => 0 });
    budget.report('query', { kind: 'rate_limited', retryAfterMs: 10 * 365 * 24 * 3_600_000 });
    void acquire('background', 'capped');
    await clock.advance(60_000);
    expect(grants.map((g) => [g.label, g.at])).toEqual([['capped', 60_000]]);

    budget.report('query', { kind: 'rate_limited', retryAfterMs: Number.NaN });
    void acquire('background', 'fallback');
    await clock.advance(10_000);
    // second consecutive rate limit: 1 s · 2 = 2 s, jittered to between 1 s and 2 s (random 0 → 1 s)
    expect(grants.at(-1)!).toMatchObject({ label: 'fallback', at: 61_000 });
  });

  it('pauses only the named class when classes are split', async () => {
    const { budget, grants, acquire, clock } = harness({
      pauseClasses: { initiate: 'initiate', query: 'status', list: 'status' },
    });
    budget.report('initiate', { kind: 'rate_limited', retryAfterMs: 60_000 });
    void acquire('background', 'list', 'list');
    void acquire('user', 'initiate', 'initiate');
    await clock.advance(1_000);
    expect(grants.map((g) => g.label)).toEqual(['list']);
  });

  it('lets a user call wait out a short pause', async () => {
    const { budget, grants, acquire, clock } = harness({ userMaxWaitMs: 10_000 });
    budget.report('initiate', { kind: 'rate_limited', retryAfterMs: 3_000 });
    void acquire('user', 'initiate', 'initiate');
    await clock.advance(3_000);
    expect(grants).toEqual([{ at: 3_000, priority: 'user', label: 'initiate' }]);
  });
});

describe('provider budget: circuit breaker (POLL-7)', () => {
  it('opens after consecutive failures, lets one probe through per interval, closes on success and drains at rate', async () => {
    const { budget, grants, failures, acquire, clock, elapsed } = harness({
      breaker: { failureThreshold: 3, probeIntervalMs: 30_000 },
    });
    for (let i = 0; i < 3; i++) {
      const call = acquire('background', `call${i}`);
      await clock.advance(1_000);
      await call;
      budget.report('query', { kind: 'failure' });
    }
    expect(budget.state().circuit).toBe('open');
    expect(budget.backgroundOpen()).toBe(false);
    const openedAt = elapsed();
    for (let i = 0; i < 20; i++) void acquire('background', `waiting${i}`);
    void acquire('user', 'initiate', 'initiate');
    await clock.advance(1);
    expect(isClickPesaKitError(failures[0]?.error, 'PROVIDER_CIRCUIT_OPEN')).toBe(true);

    // 10 minutes of outage: exactly one probe per interval, each failing
    const probes: number[] = [];
    for (let minute = 0; minute < 10; minute++) {
      for (let step = 0; step < 60; step++) {
        const before = grants.length;
        await clock.advance(1_000);
        if (grants.length > before) {
          probes.push(grants.at(-1)!.at);
          expect(budget.state().circuit).toBe('half_open');
          budget.report('query', { kind: 'failure' });
        }
      }
    }
    expect(probes.length).toBe(20);
    for (let i = 1; i < probes.length; i++)
      expect(probes[i]! - probes[i - 1]!).toBeGreaterThanOrEqual(30_000);
    expect(probes[0]! - openedAt).toBeGreaterThanOrEqual(30_000);
    expect(grants.length - 3).toBe(20);

    // recovery: the next probe succeeds, the backlog drains at the budget's rate, not all at once
    for (let i = 0; i < 30; i++) void acquire('background', `backlog${i}`);
    await clock.advance(30_000);
    expect(grants.at(-1)!.label).toBe('backlog0');
    const probeIndex = grants.length - 1;
    budget.report('query', { kind: 'ok' });
    expect(budget.state().circuit).toBe('closed');
    await clock.advance(60_000);
    const after = grants.slice(probeIndex + 1).map((g) => g.at);
    expect(after).toHaveLength(29); // everything left waiting got through
    expect(maxInWindow(after, 1_000)).toBeLessThanOrEqual(3);
    expect(after.at(-1)! - after[0]!).toBeGreaterThanOrEqual(13_000);
  });

  it('counts a probe that never reports as failed after one interval', async () => {
    const { budget, grants, acquire, clock } = harness({
      breaker: { failureThreshold: 1, probeIntervalMs: 10_000 },
    });
    await acquire('background', 'first');
    budget.report('list', { kind: 'failure' });
    void acquire('background', 'probe');
    void acquire('background', 'next');
    await clock.advance(10_000);
    expect(grants.map((g) => g.label)).toEqual(['first', 'probe']);
    await clock.advance(10_000); // probe silent: open again at 20 s, next probe at 30 s
    expect(grants).toHaveLength(2);
    await clock.advance(10_000);
    expect(grants.map((g) => [g.label, g.at])).toEqual([
      ['first', 0],
      ['probe', 10_000],
      ['next', 30_000],
    ]);
  });

  it('treats 4xx and 429 answers as a live provider', async () => {
    const { budget } = harness({ breaker: { failureThreshold: 2, probeIntervalMs: 10_000 } });
    budget.report('query', { kind: 'failure' });
    budget.report('query', { kind: 'client_error' });
    budget.report('query', { kind: 'failure' });
    expect(budget.state().circuit).toBe('closed');
    budget.report('query', { kind: 'failure' });
    expect(budget.state().circuit).toBe('open');
  });

  it('rejects invalid configuration', () => {
    expect(() => createProviderBudget({ requestsPerMinute: 0 })).toThrow(/requestsPerMinute/);
    expect(() => createProviderBudget({ breaker: { probeIntervalMs: -1 } })).toThrow(/probeIntervalMs/);
  });
});

describe('hasRoom: would a background call go out now?', () => {
  it('yes when idle; no while calls wait, while the window is full, during a 429 pause', async () => {
    const { budget, clock, acquire } = harness({ requestsPerMinute: 4, burst: 2 });
    expect(budget.hasRoom()).toBe(true);
    await Promise.all([acquire('background'), acquire('background')]);
    // the burst is spent: the next slot is 15 s away
    expect(budget.hasRoom()).toBe(false);
    const waiting = acquire('user');
    expect(budget.hasRoom()).toBe(false);
    await clock.advance(15_000);
    await waiting;
    await clock.advance(15_000);
    expect(budget.hasRoom()).toBe(true);
    budget.report('query', { kind: 'rate_limited', retryAfterMs: 20_000 });
    expect(budget.hasRoom()).toBe(false);
    await clock.advance(20_000);
    expect(budget.hasRoom()).toBe(true);
  });
});
