import { describe, expect, it } from 'vitest';
import type { PaymentRecord } from '../../src/domain/payment.js';
import {
  DEFAULT_POLL_SCHEDULE,
  nextPollAt,
  type PollSchedule,
  resolvePollSchedule,
} from '../../src/domain/schedule.js';
import { createSeededRandom as seededRandom } from '../../src/testing/seeded-random.js';

type Polled = Pick<PaymentRecord, 'status' | 'failureReason' | 'pollCount'>;
const processing: Polled = { status: 'processing', failureReason: null, pollCount: 0 };
const timedOut: Polled = { status: 'failed', failureReason: 'timeout', pollCount: 0 };
const start = new Date(Date.UTC(2026, 0, 1, 8));
const at = (ms: number) => new Date(start.getTime() + ms);
const offset = (date: Date | null) => (date === null ? null : date.getTime() - start.getTime());

/** Follows the schedule from `from`, each check happening exactly when it is due. */
function series(payment: Polled, from: number, count: number, random: () => number, schedule?: PollSchedule) {
  const out: number[] = [];
  let now = from;
  for (let i = 0; i < count; i++) {
    const next = offset(nextPollAt(payment, start, at(now), random, schedule));
    if (next === null) break;
    out.push(next);
    now = next;
  }
  return out;
}

describe('poll schedule (docs/decisions.md, decision f)', () => {
  it('checks 15 s after initiation, then every 10 s, with a last check exactly at the 90 s window end', () => {
    expect(series(processing, 0, 9, Math.random)).toEqual([
      15_000, 25_000, 35_000, 45_000, 55_000, 65_000, 75_000, 85_000, 90_000,
    ]);
    // pending rows (ambiguous initiate) follow the same cadence
    expect(offset(nextPollAt({ ...processing, status: 'pending' }, start, at(0)))).toBe(15_000);
  });

  it('keeps the cadence relative to the check time when a check ran late', () => {
    expect(offset(nextPollAt(processing, start, at(33_400)))).toBe(43_400);
    expect(offset(nextPollAt(processing, start, at(86_000)))).toBe(90_000);
  });

  it('after the window backs off exponentially with full jitter, capped, until the 72 h horizon', () => {
    const random = seededRandom(7);
    const checks = series(timedOut, 90_000, 500, random);
    const delays = checks.map((check, i) => check - (i === 0 ? 90_000 : checks[i - 1]!));
    expect(delays.every((delay) => delay >= 1_000 && delay <= DEFAULT_POLL_SCHEDULE.backoffCapMs)).toBe(true);
    // the last check lands on the horizon, and nothing is due after it
    expect(checks.at(-1)).toBe(DEFAULT_POLL_SCHEDULE.reconcileForMs);
    expect(nextPollAt(timedOut, start, at(DEFAULT_POLL_SCHEDULE.reconcileForMs), random)).toBeNull();
    // about a dozen doublings, then ~3 h on average at the 6 h cap: a few dozen checks in 72 h, not thousands
    expect(checks.length).toBeGreaterThan(15);
    expect(checks.length).toBeLessThan(80);
    // the ceiling grows: early delays are short, late ones long
    expect(Math.max(...delays.slice(0, 3))).toBeLessThanOrEqual(4 * DEFAULT_POLL_SCHEDULE.backoffBaseMs);
    expect(Math.max(...delays.slice(-10))).toBeGreaterThan(60 * 60_000);
  });

  it('is deterministic for a seeded RNG and different for another seed', () => {
    const a = series(timedOut, 90_000, 30, seededRandom(42));
    const b = series(timedOut, 90_000, 30, seededRandom(42));
    const c = series(timedOut, 90_000, 30, seededRandom(43));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('spreads 1,000 payments created at the same instant (no lockstep after the window)', () => {
    const random = seededRandom(1234);
    const firstBackoff = Array.from(
      { length: 1_000 },
      () => offset(nextPollAt(timedOut, start, at(90_000), random))!,
    );
    const later = Array.from(
      { length: 1_000 },
      () => offset(nextPollAt(timedOut, start, at(3_600_000), random))!,
    );
    for (const times of [firstBackoff, later]) {
      const distinct = new Set(times.map((t) => Math.floor(t / 1_000)));
      expect(distinct.size).toBeGreaterThan(20);
      const spread = Math.max(...times) - Math.min(...times);
      const ceiling = times === firstBackoff ? 30_000 : 3_600_000;
      expect(spread).toBeGreaterThan(ceiling * 0.5);
    }
    // roughly uniform: no second of the first backoff window holds more than 10 % of the payments
    const buckets = new Map<number, number>();
    for (const t of firstBackoff)
      buckets.set(Math.floor(t / 1_000), (buckets.get(Math.floor(t / 1_000)) ?? 0) + 1);
    expect(Math.max(...buckets.values())).toBeLessThan(100);
  });

  it('keeps reconciling local give-ups and cancels, and stops for provider facts', () => {
    expect(
      nextPollAt({ ...timedOut, failureReason: 'not_found' }, start, at(200_000), () => 0.5),
    ).not.toBeNull();
    expect(nextPollAt({ ...processing, status: 'cancelled' }, start, at(20_000), () => 0.5)).not.toBeNull();
    for (const status of ['success', 'reversed'] as const) {
      expect(nextPollAt({ ...processing, status }, start, at(20_000))).toBeNull();
    }
    expect(nextPollAt({ ...timedOut, failureReason: 'provider_failed' }, start, at(20_000))).toBeNull();
    expect(nextPollAt({ ...timedOut, failureReason: 'initiation_rejected' }, start, at(20_000))).toBeNull();
  });

  it('stops reconciling a cancelled payment once ClickPesa reports its attempt failed (SM-14)', () => {
    const cancelled = { ...processing, status: 'cancelled' as const };
    const record = (status: string) => ({ status, orderReference: 'PAY0123456789AB', id: null });
    expect(
      nextPollAt({ ...cancelled, providerStatus: record('PROCESSING') }, start, at(20_000), () => 0.5),
    ).not.toBeNull();
    expect(
      nextPollAt({ ...cancelled, providerStatus: record('FAILED') }, start, at(20_000), () => 0.5),
    ).toBeNull();
  });

  it('honours a custom schedule and refuses values that would make polling spin', () => {
    const fast = resolvePollSchedule({ firstCheckMs: 1_000, intervalMs: 500, activeWindowMs: 3_000 });
    expect(series(processing, 0, 5, Math.random, fast)).toEqual([1_000, 1_500, 2_000, 2_500, 3_000]);
    expect(() => resolvePollSchedule({ intervalMs: 0 })).toThrow(RangeError);
    expect(() => resolvePollSchedule({ backoffBaseMs: 10, backoffCapMs: 5 })).toThrow(RangeError);
  });
});
