import { describe, expect, it } from 'vitest';
import { makeAudit, makeEvent, makePayment, makeProviderPayment } from '../fixtures.js';
import { expectStoreError, type StoreHarness } from '../harness.js';

export function describeTransition(h: StoreHarness): void {
  describe('transition', () => {
    it('applies the changes, bumps the version and stores events (next seq) and audit in the same step', async () => {
      const store = h.store();
      const payment = makePayment();
      await store.createPayment({ payment, events: [makeEvent('payment.created')] });
      const now = new Date(payment.createdAt.getTime() + 5_000);
      const record = makeProviderPayment(payment.orderReference, { status: 'SUCCESS' });
      const events = [makeEvent('payment.status_changed'), makeEvent('payment.succeeded')];

      const result = await store.transition({
        paymentId: payment.id,
        expectedVersion: 1,
        changes: {
          status: 'success',
          providerStatus: record,
          transactionId: record.id,
          completedAt: now,
          updatedAt: now,
        },
        events,
        audit: [makeAudit(payment.id, { kind: 'transition', data: { from: 'pending', to: 'success' } })],
      });

      expect(result.applied).toBe(true);
      if (!result.applied) return;
      const expected = {
        ...payment,
        status: 'success',
        providerStatus: record,
        transactionId: record.id,
        completedAt: now,
        updatedAt: now,
        version: 2,
      };
      expect(result.payment).toEqual(expected);
      expect(await store.getPayment(payment.id)).toEqual(expected);
      expect(result.events.map((e) => [e.seq, e.id, e.type])).toEqual([
        [2, events[0]!.id, 'payment.status_changed'],
        [3, events[1]!.id, 'payment.succeeded'],
      ]);
      expect((await store.listEvents(payment.id)).map((e) => e.seq)).toEqual([1, 2, 3]);
      expect((await store.listAudit(payment.id)).map((a) => a.kind)).toEqual(['transition']);
    });

    it('refuses a stale expectedVersion with version_conflict, the current row, and nothing written', async () => {
      const store = h.store();
      const payment = makePayment();
      await store.createPayment({ payment });
      await store.transition({
        paymentId: payment.id,
        expectedVersion: 1,
        changes: { status: 'processing' },
      });

      const stale = await store.transition({
        paymentId: payment.id,
        expectedVersion: 1,
        changes: { status: 'failed' },
        events: [makeEvent('payment.failed')],
        audit: [makeAudit(payment.id)],
      });
      expect(stale).toEqual({
        applied: false,
        reason: 'version_conflict',
        payment: expect.objectContaining({ status: 'processing', version: 2 }),
      });
      expect((await store.getPayment(payment.id))?.status).toBe('processing');
      expect(await store.listEvents(payment.id)).toEqual([]);
      expect(await store.listAudit(payment.id)).toEqual([]);
    });

    it('answers not_found for an unknown payment', async () => {
      const store = h.store();
      const result = await store.transition({
        paymentId: '00000000-0000-4000-8000-000000000000',
        expectedVersion: 1,
        changes: { status: 'failed' },
      });
      expect(result).toEqual({ applied: false, reason: 'not_found', payment: null });
    });

    it('leaves fields whose change is undefined untouched, and writes explicit nulls', async () => {
      const store = h.store();
      const payment = makePayment({
        transactionId: 'TX-keep',
        errorMessage: 'old error',
        customerName: 'Asha',
      });
      await store.createPayment({ payment });

      const result = await store.transition({
        paymentId: payment.id,
        expectedVersion: 1,
        changes: { transactionId: undefined, errorMessage: null, status: 'processing' },
      });
      expect(result.applied).toBe(true);
      const read = await store.getPayment(payment.id);
      expect(read?.transactionId).toBe('TX-keep');
      expect(read?.errorMessage).toBeNull();
      expect(read?.customerName).toBe('Asha');
      expect(read?.status).toBe('processing');
    });

    it('appends a new order reference once, and refuses one another payment holds (STORE_CONFLICT, no write)', async () => {
      const store = h.store();
      const payment = makePayment();
      const other = makePayment();
      await store.createPayment({ payment });
      await store.createPayment({ payment: other });

      const same = await store.transition({
        paymentId: payment.id,
        expectedVersion: 1,
        changes: { orderReference: payment.orderReference, attempts: 1 },
      });
      expect(same.applied && same.payment.orderReferences).toEqual([payment.orderReference]);

      await expectStoreError(
        store.transition({
          paymentId: payment.id,
          expectedVersion: 2,
          changes: { orderReference: other.orderReference },
          events: [makeEvent()],
        }),
        'STORE_CONFLICT',
      );
      const read = await store.getPayment(payment.id);
      expect(read?.version).toBe(2);
      expect(read?.orderReference).toBe(payment.orderReference);
      expect(await store.listEvents(payment.id)).toEqual([]);
      expect((await store.getPaymentByOrderReference(other.orderReference))?.id).toBe(other.id);
    });

    it('numbers events 1..n per payment across creation and transitions', async () => {
      const store = h.store();
      const a = makePayment();
      const b = makePayment();
      await store.createPayment({ payment: a, events: [makeEvent('payment.created')] });
      await store.createPayment({ payment: b, events: [makeEvent('payment.created')] });
      let version = 1;
      for (const status of ['processing', 'failed', 'success', 'reversed'] as const) {
        const result = await store.transition({
          paymentId: a.id,
          expectedVersion: version,
          changes: { status },
          events: [makeEvent('payment.status_changed', { data: { to: status } })],
        });
        expect(result.applied).toBe(true);
        version += 1;
      }
      const events = await store.listEvents(a.id);
      expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(events.map((e) => e.data.to)).toEqual([
        undefined,
        'processing',
        'failed',
        'success',
        'reversed',
      ]);
      expect(events.every((e) => e.occurredAt instanceof Date && e.paymentId === a.id)).toBe(true);
      expect((await store.listEvents(b.id)).map((e) => e.seq)).toEqual([1]);
      expect(await store.listEvents('00000000-0000-4000-8000-000000000000')).toEqual([]);
    });
  });
}
