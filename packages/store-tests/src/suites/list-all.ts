import { randomInt } from 'node:crypto';
import type { PaymentRecord } from '@clickpesa-kit/core';
import { describe, expect, it } from 'vitest';
import { makePayment } from '../fixtures.js';
import type { StoreHarness } from '../harness.js';

export function describeListAll(h: StoreHarness): void {
  describe('listAllPayments (operators: every owner)', () => {
    it("lists every owner's payments newest first, by status, page by page, from a keyset position", async () => {
      const store = h.store();
      if (typeof store.listAllPayments !== 'function') throw new Error('listAllPayments is not implemented');
      // a time window no other test writes into (stores may keep earlier tests' rows)
      const base = Date.UTC(2031, 0, 1) + randomInt(0, 1_000_000) * 60_000;
      const created: PaymentRecord[] = [];
      for (let i = 0; i < 5; i++) {
        const at = new Date(base + i * 1000);
        const payment = makePayment({
          ownerId: `owner-${i % 2}`,
          status: i % 2 === 0 ? 'processing' : 'failed',
          createdAt: at,
          updatedAt: at,
        });
        expect((await store.createPayment({ payment })).kind).toBe('created');
        created.push(payment);
      }
      // same createdAt as the newest: the id breaks the tie
      const newest = new Date(base + 4000);
      const twin = makePayment({
        ownerId: 'owner-z',
        status: 'processing',
        createdAt: newest,
        updatedAt: newest,
      });
      await store.createPayment({ payment: twin });
      const expected = [...created, twin].sort(
        (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1),
      );
      const end = { createdAt: new Date(base + 5000), id: '' };

      const all = await store.listAllPayments({ limit: 6, before: end });
      expect(all.map((payment) => payment.id)).toEqual(expected.map((payment) => payment.id));
      expect(new Set(all.map((payment) => payment.ownerId)).size).toBe(3);
      expect(all[0]).toEqual(expected[0]);

      const processing = await store.listAllPayments({ status: 'processing', limit: 4, before: end });
      expect(processing.map((payment) => payment.id)).toEqual(
        expected.filter((payment) => payment.status === 'processing').map((payment) => payment.id),
      );

      // "older than": a position at an instant (empty id) keeps only payments created strictly before it
      const older = await store.listAllPayments({
        limit: 10,
        before: { createdAt: new Date(base + 2000), id: '' },
      });
      expect(older.slice(0, 2).map((payment) => payment.id)).toEqual([created[1]!.id, created[0]!.id]);

      const paged: string[] = [];
      let before = end;
      for (let page = 0; page < 3; page++) {
        const rows = await store.listAllPayments({ limit: 2, before });
        paged.push(...rows.map((payment) => payment.id));
        const last = rows.at(-1)!;
        before = { createdAt: last.createdAt, id: last.id };
      }
      expect(paged).toEqual(expected.map((payment) => payment.id));
      expect(await store.listAllPayments({ limit: 0, before: end })).toEqual([]);
    });
  });
}
