import { describe, expect, it } from 'vitest';
import { createLocalTokenBuckets } from '../../src/shared/token-buckets.js';

const at = (ms: number) => new Date(1_700_000_000_000 + ms);

describe('in-process token buckets', () => {
  it('grants capacity at once, then one per interval/capacity, and says how long to wait', () => {
    const buckets = createLocalTokenBuckets();
    const takes = [0, 0, 0, 0].map(() => buckets.take('a', 3, 600_000, at(0)));
    expect(takes).toEqual([0, 0, 0, 200_000]);
    expect(buckets.take('a', 3, 600_000, at(199_999))).toBe(1);
    expect(buckets.take('a', 3, 600_000, at(200_000))).toBe(0);
  });

  it('stays within its bound: full buckets go first, then the least recently used', () => {
    const buckets = createLocalTokenBuckets(100);
    for (let i = 0; i < 1_000; i++) buckets.take(`ip-${i}`, 2, 60_000, at(i));
    expect(buckets.size).toBeLessThanOrEqual(100);
    // a bucket in use right now survives the churn of others
    const hot = createLocalTokenBuckets(10);
    hot.take('hot', 1, 60_000, at(0));
    for (let i = 0; i < 9; i++) hot.take(`cold-${i}`, 5, 60_000, at(0));
    hot.take('hot', 1, 60_000, at(1));
    for (let i = 9; i < 14; i++) hot.take(`cold-${i}`, 5, 60_000, at(1));
    expect(hot.take('hot', 1, 60_000, at(2))).toBeGreaterThan(0);
  });
});
