import { randomUUID } from 'node:crypto';
import type { SharedBudget } from '@clickpesa-kit/core/store';
import { describe, expect, it } from 'vitest';
import type { StoreHarness } from '../harness.js';

/**
 * The optional shared token buckets (`store.budget`): the provider budget and the push limits (per phone,
 * owner and address) count here so that every instance sees the same numbers. Registered for stores that
 * say they have them (`capabilities.sharedBudget`, `capabilities.pruneBuckets`).
 */
export function describeSharedBudget(h: StoreHarness): void {
  const { sharedBudget = false, pruneBuckets = false } = h.options.capabilities ?? {};
  if (!sharedBudget) return;
  const budgetOf = (): SharedBudget => {
    const { budget } = h.store();
    expect(budget, 'store.budget (the store says it has shared buckets)').toBeDefined();
    return budget as SharedBudget;
  };
  const start = Date.UTC(2026, 0, 5, 10);
  const at = (ms: number) => new Date(start + ms);

  describe('shared budget (store.budget)', () => {
    it('grants up to the capacity, then answers how long to wait and takes nothing', async () => {
      const budget = budgetOf();
      const name = `limit:phone:${randomUUID()}`;
      const waits: number[] = [];
      for (let i = 0; i < 4; i++) waits.push(await budget.take(name, 3, 60_000, at(0)));
      expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
      // one token comes back every 20 s at 3 per minute
      expect(waits[3]).toBeGreaterThan(19_000);
      expect(waits[3]).toBeLessThanOrEqual(20_000);
      // the refused take spent nothing: after 20 s exactly one token is there
      expect(await budget.take(name, 3, 60_000, at(20_000))).toBe(0);
      expect(await budget.take(name, 3, 60_000, at(20_000))).toBeGreaterThan(0);
    });

    it('keeps buckets apart by name and refills a bucket to its capacity, never above', async () => {
      const budget = budgetOf();
      const [a, b] = [`limit:owner:${randomUUID()}`, `limit:owner:${randomUUID()}`];
      expect(await budget.take(a, 1, 60_000, at(0))).toBe(0);
      expect(await budget.take(a, 1, 60_000, at(0))).toBeGreaterThan(0);
      expect(await budget.take(b, 1, 60_000, at(0))).toBe(0);
      // an hour idle refills to 2, not to 60
      const grants: number[] = [];
      for (let i = 0; i < 3; i++) grants.push(await budget.take(a, 2, 60_000, at(3_600_000)));
      expect(grants.map((wait) => wait === 0)).toEqual([true, true, false]);
    });

    it('never grants more than the capacity to concurrent takers, across instances', async () => {
      const budget = budgetOf();
      const peerBudget = (await h.peer()).budget ?? budget;
      const name = `limit:ip:${randomUUID()}`;
      const takers = Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? budget : peerBudget).take(name, 5, 600_000, at(0)),
      );
      const waits = await Promise.all(takers);
      expect(waits.filter((wait) => wait === 0)).toHaveLength(5);
    });

    if (!pruneBuckets) return;
    it('prunes buckets left alone since a time, and a pruned bucket is full again', async () => {
      const budget = budgetOf();
      const prune = budget.prune?.bind(budget);
      expect(prune, 'budget.prune (the store says it prunes its buckets)').toBeTypeOf('function');
      if (!prune) return;
      const [idle, busy] = [`limit:phone:${randomUUID()}`, `limit:phone:${randomUUID()}`];
      const hour = 3_600_000; // one token an hour: nothing refills in the two minutes this test spans
      expect(await budget.take(idle, 1, hour, at(0))).toBe(0);
      expect(await budget.take(busy, 2, hour, at(0))).toBe(0);
      expect(await budget.take(busy, 2, hour, at(120_000))).toBe(0);

      expect(await prune(at(60_000), 1_000)).toBe(1);
      // the busy bucket survived (both tokens spent); the idle one is gone, so it is full again
      expect(await budget.take(busy, 2, hour, at(120_000))).toBeGreaterThan(0);
      expect(await budget.take(idle, 1, hour, at(120_000))).toBe(0);
      expect(await prune(at(0), 1_000)).toBe(0);
    });
  });
}
