import { describe, expect, it } from 'vitest';
import {
  exponentialCeiling,
  fullJitterBackoff,
  parseCooldownMessage,
  parseRetryAfter,
} from '../../src/client/retry-after.js';

const NOW = Date.parse('2026-03-01T10:00:00Z');

describe('parseRetryAfter (POLL-6)', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('30', NOW)).toBe(30_000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
    expect(parseRetryAfter(['7', '9'], NOW)).toBe(7_000);
  });

  it('reads HTTP-dates relative to now, never negative', () => {
    expect(parseRetryAfter('Sun, 01 Mar 2026 10:00:20 GMT', NOW)).toBe(20_000);
    expect(parseRetryAfter('Wed, 21 Oct 2099 07:28:00 GMT', NOW)).toBeGreaterThan(365 * 24 * 3600_000);
    expect(parseRetryAfter('Sat, 28 Feb 2026 10:00:00 GMT', NOW)).toBe(0);
  });

  it.each([
    undefined,
    '',
    'banana',
    '-5',
    '1.5',
    '2026-03-01',
    'soon 12:00:00',
    'Mon, 99 Foo 2026 99:99:99 GMT',
  ])('gives undefined for %j (caller falls back to backoff)', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });
});

describe('parseCooldownMessage (F9)', () => {
  it.each([
    ['Please retry after 37 seconds', 37_000],
    ['Too many requests, try again in 5 secs', 5_000],
    ['retry after 1 second', 1_000],
    ['Retry After 60s', 60_000],
  ])('%s', (message, expected) => {
    expect(parseCooldownMessage(message)).toBe(expected);
  });

  it.each([undefined, '', 'Invalid checksum', 'retry after a while', 'Order reference 37 already used'])(
    'ignores %j',
    (message) => {
      expect(parseCooldownMessage(message)).toBeUndefined();
    },
  );
});

describe('full-jitter backoff', () => {
  const options = { baseMs: 500, capMs: 8_000 };

  it('stays within [0, min(cap, base·2^n))', () => {
    expect(fullJitterBackoff(0, { ...options, random: () => 0 })).toBe(0);
    expect(fullJitterBackoff(0, { ...options, random: () => 0.999 })).toBe(499);
    expect(fullJitterBackoff(3, { ...options, random: () => 0.5 })).toBe(2_000);
    expect(fullJitterBackoff(10, { ...options, random: () => 0.999 })).toBe(7_992);
  });

  it('announces the un-jittered ceiling', () => {
    expect([0, 1, 2, 3, 4, 5].map((retry) => exponentialCeiling(retry, options))).toEqual([
      500, 1_000, 2_000, 4_000, 8_000, 8_000,
    ]);
  });
});
