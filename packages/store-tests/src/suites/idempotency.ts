import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeIdempotencyRecord } from '../fixtures.js';
import type { StoreHarness } from '../harness.js';

const T0 = new Date('2026-01-05T10:00:00.000Z');
const at = (offsetMs: number) => new Date(T0.getTime() + offsetMs);
const HOUR = 60 * 60_000;

export function describeIdempotency(h: StoreHarness): void {
  describe('idempotency records', () => {
    it('claims a key once; a second claim gets the existing record; other owners are separate', async () => {
      const store = h.store();
      const record = makeIdempotencyRecord({ createdAt: T0, expiresAt: at(24 * HOUR) });

      expect(await store.claimIdempotency(record)).toEqual({ kind: 'claimed' });
      const again = await store.claimIdempotency({
        ...record,
        fingerprint: 'different',
        createdAt: at(1_000),
      });
      expect(again).toEqual({ kind: 'exists', existing: record });
      expect(await store.claimIdempotency({ ...record, ownerId: 'owner-z' })).toEqual({ kind: 'claimed' });
    });

    it('reads a live record, and nothing once it expired or when it never existed', async () => {
      const store = h.store();
      const record = makeIdempotencyRecord({ createdAt: T0, expiresAt: at(24 * HOUR) });
      await store.claimIdempotency(record);

      expect(await store.getIdempotency(record.ownerId, record.key, at(23 * HOUR))).toEqual(record);
      expect(await store.getIdempotency(record.ownerId, record.key, at(25 * HOUR))).toBeNull();
      expect(await store.getIdempotency('owner-z', record.key, at(1_000))).toBeNull();
      expect(await store.getIdempotency(record.ownerId, 'no-such-key', at(1_000))).toBeNull();
    });

    it('marks a record completed; completing an unknown key is a no-op', async () => {
      const store = h.store();
      const record = makeIdempotencyRecord({ createdAt: T0, expiresAt: at(24 * HOUR) });
      await store.claimIdempotency(record);
      await store.completeIdempotency(record.ownerId, record.key);
      await store.completeIdempotency(record.ownerId, 'no-such-key');

      expect(await store.getIdempotency(record.ownerId, record.key, at(1_000))).toEqual({
        ...record,
        state: 'completed',
      });
    });

    it('treats an expired record as absent: a new claim replaces it', async () => {
      const store = h.store();
      const old = makeIdempotencyRecord({ createdAt: T0, expiresAt: at(HOUR), state: 'completed' });
      await store.claimIdempotency(old);
      const fresh = {
        ...old,
        fingerprint: 'fp-new',
        paymentId: randomUUID(),
        state: 'in_flight' as const,
        createdAt: at(2 * HOUR),
        expiresAt: at(26 * HOUR),
      };

      expect(await store.claimIdempotency(fresh)).toEqual({ kind: 'claimed' });
      expect(await store.getIdempotency(old.ownerId, old.key, at(3 * HOUR))).toEqual(fresh);
    });

    it('prunes exactly the records that expired before now (IDEM-6)', async () => {
      const store = h.store();
      const expiredA = makeIdempotencyRecord({ createdAt: at(-48 * HOUR), expiresAt: at(-24 * HOUR) });
      const expiredB = makeIdempotencyRecord({ createdAt: at(-25 * HOUR), expiresAt: at(-HOUR) });
      const live = makeIdempotencyRecord({ createdAt: at(-HOUR), expiresAt: at(23 * HOUR) });
      for (const record of [expiredA, expiredB, live]) await store.claimIdempotency(record);

      expect(await store.pruneIdempotency(T0)).toBe(2);
      expect(await store.pruneIdempotency(T0)).toBe(0);
      expect(await store.getIdempotency(live.ownerId, live.key, T0)).toEqual(live);
      // a pruned key is free again
      expect(await store.claimIdempotency({ ...expiredA, createdAt: T0, expiresAt: at(HOUR) })).toEqual({
        kind: 'claimed',
      });
    });
  });
}
