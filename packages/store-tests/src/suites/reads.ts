import { describe, expect, it } from 'vitest';
import {
  makeAudit,
  makeEvent,
  makeIdempotencyRecord,
  makePayment,
  makeProviderPayment,
  makeWebhookReceipt,
} from '../fixtures.js';
import type { StoreHarness } from '../harness.js';

export function describeReads(h: StoreHarness): void {
  describe('reads', () => {
    it('scopes getPayment by owner in the lookup itself (SEC-6)', async () => {
      const store = h.store();
      const payment = makePayment({ ownerId: 'owner-a' });
      await store.createPayment({ payment });

      expect(await store.getPayment(payment.id, 'owner-a')).toEqual(payment);
      expect(await store.getPayment(payment.id, 'owner-b')).toBeNull();
      expect(await store.getPayment(payment.id)).toEqual(payment);
      expect(await store.getPayment('00000000-0000-4000-8000-000000000000')).toBeNull();
      expect(await store.getPayment('00000000-0000-4000-8000-000000000000', 'owner-a')).toBeNull();
    });

    it('counts the active payments of every owner by status', async () => {
      const store = h.store();
      if (!store.countActivePayments) return; // optional: the metrics then have no active-payments gauge
      expect(await store.countActivePayments()).toEqual({ pending: 0, processing: 0 });
      const statuses = ['pending', 'processing', 'processing', 'success', 'failed', 'cancelled'] as const;
      for (const [n, status] of statuses.entries()) {
        await store.createPayment({ payment: makePayment({ status, ownerId: `owner-${n % 2}` }) });
      }
      expect(await store.countActivePayments()).toEqual({ pending: 1, processing: 2 });
    });

    it('finds a payment by its current and by an earlier order reference', async () => {
      const store = h.store();
      const payment = makePayment();
      await store.createPayment({ payment });
      const retried = await store.transition({
        paymentId: payment.id,
        expectedVersion: 1,
        changes: { orderReference: 'PAYRETRY0000001', attempts: 2 },
      });
      expect(retried.applied).toBe(true);

      const byNew = await store.getPaymentByOrderReference('PAYRETRY0000001');
      const byOld = await store.getPaymentByOrderReference(payment.orderReference);
      expect(byNew?.id).toBe(payment.id);
      expect(byOld).toEqual(byNew);
      expect(byNew?.orderReference).toBe('PAYRETRY0000001');
      expect(byNew?.orderReferences).toEqual([payment.orderReference, 'PAYRETRY0000001']);
      expect(await store.getPaymentByOrderReference('PAYUNKNOWN00000')).toBeNull();
    });

    it('finds a payment by transaction id', async () => {
      const store = h.store();
      const payment = makePayment();
      const other = makePayment();
      await store.createPayment({ payment });
      await store.createPayment({ payment: other });
      await store.transition({
        paymentId: payment.id,
        expectedVersion: 1,
        changes: { transactionId: 'TX-1' },
      });

      expect((await store.getPaymentByTransactionId('TX-1'))?.id).toBe(payment.id);
      expect(await store.getPaymentByTransactionId('TX-unknown')).toBeNull();

      // a retry's new attempt replaces the transaction id: the old one no longer finds the payment
      await store.transition({
        paymentId: payment.id,
        expectedVersion: 2,
        changes: { transactionId: 'TX-2' },
      });
      expect((await store.getPaymentByTransactionId('TX-2'))?.id).toBe(payment.id);
      expect(await store.getPaymentByTransactionId('TX-1')).toBeNull();
    });

    it('tells whether an MSISDN has an active push, optionally except one payment', async () => {
      const store = h.store();
      const pending = makePayment({ msisdn: '255712000010' });
      const processing = makePayment({ msisdn: '255712000011', status: 'processing' });
      const done = makePayment({ msisdn: '255712000012', status: 'success' });
      for (const payment of [pending, processing, done]) await store.createPayment({ payment });

      expect(await store.hasActivePush('255712000010')).toBe(true);
      expect(await store.hasActivePush('255712000011')).toBe(true);
      expect(await store.hasActivePush('255712000012')).toBe(false);
      expect(await store.hasActivePush('255712000019')).toBe(false);
      expect(await store.hasActivePush('255712000010', pending.id)).toBe(false);

      await store.transition({ paymentId: pending.id, expectedVersion: 1, changes: { status: 'cancelled' } });
      expect(await store.hasActivePush('255712000010')).toBe(false);
    });

    it('returns copies: mutating what a call returned (or passed in) never changes the store', async () => {
      const store = h.store();
      const payment = makePayment({
        metadata: { a: 'x' },
        providerStatus: makeProviderPayment('PAYCOPY00000001'),
      });
      const created = await store.createPayment({
        payment,
        events: [makeEvent()],
        audit: [makeAudit(payment.id)],
      });
      const snapshot = structuredClone(payment);

      // mutate the input after the call
      payment.status = 'success';
      payment.metadata!.a = 'changed';
      payment.createdAt.setTime(0);
      payment.orderReferences.push('PAYMUTATED00000');
      // mutate what came back
      if (created.kind === 'created') {
        created.payment.status = 'failed';
        created.payment.providerStatus!.status = 'SUCCESS';
        created.events[0]!.data.note = 'changed';
      }
      const read = await store.getPayment(payment.id);
      read!.metadata!.a = 'changed again';
      read!.updatedAt.setTime(0);
      const events = await store.listEvents(payment.id);
      events[0]!.data.note = 'changed';
      (await store.listAudit(payment.id))[0]!.data.note = 'changed';

      expect(await store.getPayment(payment.id)).toEqual(snapshot);
      expect((await store.listEvents(payment.id))[0]?.data).toEqual({ note: 'payment.status_changed' });
      expect((await store.listAudit(payment.id))[0]?.data).toEqual({ note: 'fixture' });
    });

    it('returns copies of idempotency records and webhook receipts too', async () => {
      const store = h.store();
      const key = makeIdempotencyRecord();
      await store.claimIdempotency(key);
      const read = await store.getIdempotency(key.ownerId, key.key, key.createdAt);
      read!.fingerprint = 'changed';
      read!.expiresAt.setTime(0);
      expect(await store.getIdempotency(key.ownerId, key.key, key.createdAt)).toEqual(key);

      const receipt = makeWebhookReceipt({ payload: { data: { status: 'SUCCESS' } } });
      await store.recordWebhookReceipt(receipt);
      const [listed] = await store.listWebhookReceipts();
      (listed!.payload as { data: { status: string } }).data.status = 'FAILED';
      expect((await store.listWebhookReceipts())[0]?.payload).toEqual({ data: { status: 'SUCCESS' } });
    });
  });
}
