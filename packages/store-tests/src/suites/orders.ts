import { randomUUID } from 'node:crypto';
import type { PaymentRecord } from '@clickpesa-kit/core';
import { describe, expect, it } from 'vitest';
import { makePayment } from '../fixtures.js';
import type { StoreHarness } from '../harness.js';

/** A payment of one order (owner, external order id), created `offsetMs` after `base`. */
function orderPayment(
  order: { ownerId: string; externalOrderId: string },
  overrides: Partial<PaymentRecord> = {},
): PaymentRecord {
  return makePayment({ ...order, ...overrides });
}

function newOrder(): { ownerId: string; externalOrderId: string } {
  return { ownerId: `owner-${randomUUID()}`, externalOrderId: `order-${randomUUID()}` };
}

export function describeOrders(h: StoreHarness): void {
  describe('orders: listPayments (ORD-1)', () => {
    it("lists only the owner's payments, newest first, filtered by order and status, page by page", async () => {
      const store = h.store();
      const order = newOrder();
      const base = Date.UTC(2026, 2, 1, 12);
      const created: PaymentRecord[] = [];
      for (let i = 0; i < 5; i++) {
        const payment = orderPayment(
          { ownerId: order.ownerId, externalOrderId: i < 3 ? order.externalOrderId : `other-${i}` },
          { status: 'failed', createdAt: new Date(base + i * 1000), updatedAt: new Date(base + i * 1000) },
        );
        expect((await store.createPayment({ payment })).kind).toBe('created');
        created.push(payment);
      }
      // same createdAt: the id breaks the tie
      const twin = orderPayment(order, { status: 'failed', createdAt: new Date(base + 4000) });
      await store.createPayment({ payment: twin });
      // another owner's payment of the same order id never shows
      await store.createPayment({
        payment: orderPayment({ ownerId: `x-${randomUUID()}`, externalOrderId: order.externalOrderId }),
      });

      const all = await store.listPayments({ ownerId: order.ownerId, limit: 10 });
      const expected = [...created, twin].sort(
        (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1),
      );
      expect(all.map((payment) => payment.id)).toEqual(expected.map((payment) => payment.id));

      const ofOrder = await store.listPayments({ ...order, limit: 10 });
      expect(ofOrder.map((payment) => payment.id)).toEqual(
        expected.filter((payment) => payment.externalOrderId === order.externalOrderId).map((p) => p.id),
      );

      // keyset pages: two at a time, nothing repeated or skipped
      const paged: string[] = [];
      let before: { createdAt: Date; id: string } | undefined;
      for (let page = 0; page < 4; page++) {
        const rows = await store.listPayments({
          ownerId: order.ownerId,
          limit: 2,
          ...(before ? { before } : {}),
        });
        paged.push(...rows.map((payment) => payment.id));
        const last = rows.at(-1);
        if (!last) break;
        before = { createdAt: last.createdAt, id: last.id };
      }
      expect(paged).toEqual(expected.map((payment) => payment.id));

      const none = await store.listPayments({ ownerId: order.ownerId, status: 'success', limit: 10 });
      expect(none).toEqual([]);
    });
  });

  describe('orders: one active payment per order (ORD-2) and the attempt cap (ORD-3)', () => {
    it('refuses a second pending/processing/success payment of an order; allows it after failed or cancelled', async () => {
      const store = h.store();
      const order = newOrder();
      const first = orderPayment(order);
      await store.createPayment({ payment: first });
      expect(await store.createPayment({ payment: orderPayment(order) })).toEqual({
        kind: 'order_busy',
        paymentId: first.id,
      });
      // another owner, or no order id at all: not constrained
      const elsewhere = orderPayment({ ...order, ownerId: `other-${randomUUID()}` });
      expect((await store.createPayment({ payment: elsewhere })).kind).toBe('created');
      expect((await store.createPayment({ payment: makePayment({ ownerId: order.ownerId }) })).kind).toBe(
        'created',
      );
      expect((await store.createPayment({ payment: makePayment({ ownerId: order.ownerId }) })).kind).toBe(
        'created',
      );

      const failed = await store.transition({
        paymentId: first.id,
        expectedVersion: 1,
        changes: { status: 'failed' },
      });
      expect(failed.applied).toBe(true);
      const second = orderPayment(order);
      expect((await store.createPayment({ payment: second })).kind).toBe('created');
      await store.transition({ paymentId: second.id, expectedVersion: 1, changes: { status: 'cancelled' } });
      const third = orderPayment(order);
      expect((await store.createPayment({ payment: third })).kind).toBe('created');
      await store.transition({ paymentId: third.id, expectedVersion: 1, changes: { status: 'success' } });
      expect(await store.createPayment({ payment: orderPayment(order) })).toEqual({
        kind: 'order_busy',
        paymentId: third.id,
      });
      expect(await store.listPayments({ ...order, limit: 10 })).toHaveLength(3);
    });

    it('a transition back to pending (a retry) while another payment holds the order is refused: order_busy, nothing written', async () => {
      const store = h.store();
      const order = newOrder();
      const old = orderPayment(order, { status: 'failed' });
      await store.createPayment({ payment: old });
      const holder = orderPayment(order);
      await store.createPayment({ payment: holder });
      const refused = await store.transition({
        paymentId: old.id,
        expectedVersion: 1,
        changes: { status: 'pending' },
      });
      expect(refused).toMatchObject({ applied: false, reason: 'order_busy' });
      expect((await store.getPayment(old.id))?.status).toBe('failed');
      expect((await store.getPayment(old.id))?.version).toBe(1);
      // once the holder failed, the retry applies
      await store.transition({ paymentId: holder.id, expectedVersion: 1, changes: { status: 'failed' } });
      const retried = await store.transition({
        paymentId: old.id,
        expectedVersion: 1,
        changes: { status: 'pending' },
      });
      expect(retried.applied).toBe(true);
    });

    it('a late success of an older payment flagged needsAttention is applied while a newer one is active, then paid (ORD-4); a create stays refused', async () => {
      const store = h.store();
      const order = newOrder();
      const older = orderPayment(order, { status: 'failed' });
      await store.createPayment({ payment: older });
      const newer = orderPayment(order);
      await store.createPayment({ payment: newer });

      // unflagged, the late success would be a second holder: refused, nothing written
      const unflagged = await store.transition({
        paymentId: older.id,
        expectedVersion: 1,
        changes: { status: 'success' },
      });
      expect(unflagged).toMatchObject({ applied: false, reason: 'order_busy' });
      expect((await store.getPayment(older.id))?.status).toBe('failed');

      // flagged for a person: recorded, the newer payment untouched
      const late = await store.transition({
        paymentId: older.id,
        expectedVersion: 1,
        changes: { status: 'success', needsAttention: true },
        events: [{ id: randomUUID(), type: 'payment.late_success', occurredAt: new Date(), data: {} }],
      });
      expect(late.applied).toBe(true);
      expect(await store.getPayment(older.id)).toMatchObject({ status: 'success', needsAttention: true });
      expect(await store.getPayment(newer.id)).toMatchObject({ status: 'pending', version: 1 });

      // the newer payment is paid too: both are recorded (a double charge a person can see)
      const paid = await store.transition({
        paymentId: newer.id,
        expectedVersion: 1,
        changes: { status: 'success' },
      });
      expect(paid.applied).toBe(true);
      const ofOrder = await store.listPayments({ ...order, status: 'success', limit: 10 });
      expect(ofOrder.map((payment) => payment.id).sort()).toEqual([older.id, newer.id].sort());

      // a create is still refused
      expect((await store.createPayment({ payment: orderPayment(order) })).kind).toBe('order_busy');
      expect(await store.listPayments({ ...order, limit: 10 })).toHaveLength(2);
    });

    it('a flagged late success alone still holds its order: creates and retries of the order are refused (ORD-4)', async () => {
      const store = h.store();
      const order = newOrder();
      const older = orderPayment(order, { status: 'failed' });
      await store.createPayment({ payment: older });
      const newer = orderPayment(order);
      await store.createPayment({ payment: newer });
      const late = await store.transition({
        paymentId: older.id,
        expectedVersion: 1,
        changes: { status: 'success', needsAttention: true },
      });
      expect(late.applied).toBe(true);
      // the newer payment fails: the flagged success is now the order's only holder
      await store.transition({ paymentId: newer.id, expectedVersion: 1, changes: { status: 'failed' } });

      expect(await store.createPayment({ payment: orderPayment(order) })).toEqual({
        kind: 'order_busy',
        paymentId: older.id,
      });
      const retry = await store.transition({
        paymentId: newer.id,
        expectedVersion: 2,
        changes: { status: 'pending' },
      });
      expect(retry).toMatchObject({ applied: false, reason: 'order_busy' });
      expect(await store.getPayment(newer.id)).toMatchObject({ status: 'failed', version: 2 });
      expect(await store.listPayments({ ...order, limit: 10 })).toHaveLength(2);
    });

    it('counts the payments of an order against maxOrderAttempts', async () => {
      const store = h.store();
      const order = newOrder();
      for (let i = 0; i < 2; i++) {
        const payment = orderPayment(order);
        expect((await store.createPayment({ payment, maxOrderAttempts: 2 })).kind).toBe('created');
        await store.transition({ paymentId: payment.id, expectedVersion: 1, changes: { status: 'failed' } });
      }
      expect(await store.createPayment({ payment: orderPayment(order), maxOrderAttempts: 2 })).toEqual({
        kind: 'order_attempts_exhausted',
        attempts: 2,
      });
      expect((await store.createPayment({ payment: orderPayment(order), maxOrderAttempts: 3 })).kind).toBe(
        'created',
      );
    });

    it('N concurrent creates for one order: one payment, the others order_busy with its id', async () => {
      const store = h.store();
      const instances = [store, await h.peer()];
      const order = newOrder();
      const results = await Promise.all(
        Array.from({ length: h.concurrency }, (_, index) =>
          instances[index % instances.length]!.createPayment({
            payment: orderPayment(order),
            maxOrderAttempts: 5,
          }),
        ),
      );
      const created = results.filter((result) => result.kind === 'created');
      expect(created).toHaveLength(1);
      const winner = created[0]!.kind === 'created' ? created[0]!.payment.id : '';
      expect(results.filter((r) => r.kind === 'order_busy' && r.paymentId === winner)).toHaveLength(
        h.concurrency - 1,
      );
      expect(await store.listPayments({ ...order, limit: 200 })).toHaveLength(1);
    });
  });

  describe('phone number hold of a cancelled payment (SM-14)', () => {
    it('a cancelled payment still reconciled, started since heldSince, holds its MSISDN; final or older, it does not', async () => {
      const store = h.store();
      const now = Date.now();
      const cancelled = makePayment({
        status: 'cancelled',
        attemptStartedAt: new Date(now - 10_000),
        nextPollAt: new Date(now + 5_000),
      });
      await store.createPayment({ payment: cancelled });
      const heldSince = new Date(now - 90_000);
      const msisdn = cancelled.msisdn;
      expect(await store.hasActivePush(msisdn)).toBe(false);
      expect(await store.hasActivePush(msisdn, undefined, heldSince)).toBe(true);
      expect(await store.hasActivePush(msisdn, cancelled.id, heldSince)).toBe(false);
      expect(
        await store.createPayment({
          payment: makePayment({ msisdn }),
          exclusiveMsisdn: true,
          msisdnHeldSince: heldSince,
        }),
      ).toEqual({ kind: 'msisdn_busy', paymentId: cancelled.id });
      // the window has passed
      expect(await store.hasActivePush(msisdn, undefined, new Date(now - 5_000))).toBe(false);
      // ClickPesa reported the attempt final: the poller stopped (nextPollAt null)
      await store.transition({ paymentId: cancelled.id, expectedVersion: 1, changes: { nextPollAt: null } });
      expect(await store.hasActivePush(msisdn, undefined, heldSince)).toBe(false);
      const next = await store.createPayment({
        payment: makePayment({ msisdn }),
        exclusiveMsisdn: true,
        msisdnHeldSince: heldSince,
      });
      expect(next.kind).toBe('created');
    });
  });
}
