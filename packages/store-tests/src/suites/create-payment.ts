import { describe, expect, it } from 'vitest';
import {
  makeAudit,
  makeEvent,
  makeIdempotencyRecord,
  makePayment,
  makeProviderPayment,
} from '../fixtures.js';
import { expectStoreError, type StoreHarness } from '../harness.js';

export function describeCreatePayment(h: StoreHarness): void {
  describe('createPayment', () => {
    it('stores the row, its events (seq 1..n) and audit entries in one step', async () => {
      const store = h.store();
      const payment = makePayment();
      const events = [makeEvent('payment.created'), makeEvent('payment.status_changed')];
      const result = await store.createPayment({ payment, events, audit: [makeAudit(payment.id)] });

      expect(result.kind).toBe('created');
      if (result.kind !== 'created') return;
      expect(result.payment).toEqual(payment);
      expect(result.events.map((e) => [e.seq, e.id, e.type, e.paymentId])).toEqual([
        [1, events[0]!.id, 'payment.created', payment.id],
        [2, events[1]!.id, 'payment.status_changed', payment.id],
      ]);
      expect(await store.getPayment(payment.id)).toEqual(payment);
      expect(await store.listEvents(payment.id)).toEqual(result.events);
      expect(await store.listAudit(payment.id)).toHaveLength(1);
    });

    it('round-trips every field: Dates as Dates, nulls as nulls, metadata and providerStatus as JSON', async () => {
      const store = h.store();
      const base = Date.UTC(2026, 0, 5, 10, 0, 0, 123);
      const full = makePayment({
        transactionId: 'PAYTX0001LCP2C95',
        status: 'failed',
        amount: '1000.50',
        customerName: 'Zoë Mwakyusa "Z" \\ / ✓',
        metadata: { orderId: 'A-17', count: 3, gift: true, note: null, ratio: 0.25 },
        externalOrderId: 'ext-17',
        errorMessage: 'Insufficient balance',
        failureReason: 'provider_failed',
        needsAttention: true,
        attempts: 2,
        attemptStartedAt: new Date(base + 1),
        initiateOutcome: 'unknown',
        providerStatus: makeProviderPayment('PAYAAAAAAAAAAAA', {
          status: 'FAILED',
          message: 'Insufficient balance',
          paymentReference: 'MP12345',
          paymentPhoneNumber: '255712345678',
          clientId: 'client-1',
        }),
        callbackUrl: 'https://shop.example/hooks/pay',
        version: 1,
        createdAt: new Date(base),
        updatedAt: new Date(base + 2),
        completedAt: new Date(base + 3),
        settledAt: new Date(base + 4),
        lastCheckedAt: new Date(base + 5),
        nextPollAt: new Date(base + 6),
        pollCount: 7,
        stuckNotifiedAt: new Date(base + 8),
      });
      const sparseRecord = makeProviderPayment('PAYBBBBBBBBBBBB');
      delete sparseRecord.channel;
      const minimal = makePayment({ providerStatus: sparseRecord });
      await store.createPayment({ payment: full });
      await store.createPayment({ payment: minimal });

      const readFull = await store.getPayment(full.id);
      expect(readFull).toEqual(full);
      const dateFields = [
        'attemptStartedAt',
        'createdAt',
        'updatedAt',
        'completedAt',
        'settledAt',
        'lastCheckedAt',
        'nextPollAt',
        'stuckNotifiedAt',
      ] as const;
      for (const field of dateFields) {
        const value = readFull?.[field];
        expect(value, field).toBeInstanceOf(Date);
        expect((value as Date).getTime(), field).toBe((full[field] as Date).getTime());
      }
      expect(await store.getPaymentByOrderReference(full.orderReference)).toEqual(full);
      expect(await store.getPaymentByTransactionId('PAYTX0001LCP2C95')).toEqual(full);

      const readMinimal = await store.getPayment(minimal.id);
      expect(readMinimal).toEqual(minimal);
      for (const field of [
        'transactionId',
        'customerName',
        'metadata',
        'completedAt',
        'nextPollAt',
      ] as const) {
        expect(readMinimal?.[field], field).toBeNull();
      }
      expect(readMinimal?.needsAttention).toBe(false);
      expect(readMinimal?.providerStatus).toEqual(sparseRecord);
    });

    it('rejects a duplicate order reference with STORE_CONFLICT and writes nothing (CS-6)', async () => {
      const store = h.store();
      const first = makePayment();
      await store.createPayment({ payment: first });
      const second = makePayment({ orderReference: first.orderReference });
      const key = makeIdempotencyRecord({ paymentId: second.id });

      await expectStoreError(
        store.createPayment({ payment: second, idempotency: key, events: [makeEvent('payment.created')] }),
        'STORE_CONFLICT',
      );
      expect(await store.getPayment(second.id)).toBeNull();
      expect(await store.getIdempotency(key.ownerId, key.key, key.createdAt)).toBeNull();
      expect(await store.listEvents(second.id)).toEqual([]);
      expect((await store.getPaymentByOrderReference(first.orderReference))?.id).toBe(first.id);
    });

    it('rejects an order reference another payment used for an earlier attempt', async () => {
      const store = h.store();
      const first = makePayment();
      await store.createPayment({ payment: first });
      const moved = await store.transition({
        paymentId: first.id,
        expectedVersion: 1,
        changes: { orderReference: 'PAYNEWATTEMPT01' },
      });
      expect(moved.applied).toBe(true);

      await expectStoreError(
        store.createPayment({ payment: makePayment({ orderReference: first.orderReference }) }),
        'STORE_CONFLICT',
      );
    });

    it('rejects a duplicate payment id with STORE_CONFLICT', async () => {
      const store = h.store();
      const first = makePayment();
      await store.createPayment({ payment: first });
      await expectStoreError(
        store.createPayment({ payment: makePayment({ id: first.id }) }),
        'STORE_CONFLICT',
      );
      expect((await store.getPayment(first.id))?.orderReference).toBe(first.orderReference);
    });

    it('claims the idempotency key in the same step, in_flight and pointing at the payment', async () => {
      const store = h.store();
      const payment = makePayment();
      const key = makeIdempotencyRecord({ paymentId: payment.id });
      await store.createPayment({ payment, idempotency: key });

      expect(await store.getIdempotency(key.ownerId, key.key, key.createdAt)).toEqual(key);
    });

    it('answers idempotency_conflict for a live key and writes nothing', async () => {
      const store = h.store();
      const first = makePayment();
      const key = makeIdempotencyRecord({ paymentId: first.id });
      await store.createPayment({ payment: first, idempotency: key });

      const second = makePayment();
      const result = await store.createPayment({
        payment: second,
        idempotency: {
          ...key,
          paymentId: second.id,
          fingerprint: 'other',
          createdAt: new Date(key.createdAt.getTime() + 1000),
        },
        events: [makeEvent('payment.created')],
      });
      expect(result).toEqual({ kind: 'idempotency_conflict', existing: key });
      expect(await store.getPayment(second.id)).toBeNull();
      expect(await store.getPaymentByOrderReference(second.orderReference)).toBeNull();
      expect(await store.listEvents(second.id)).toEqual([]);
    });

    it('replaces an expired idempotency record (judged at the new record’s createdAt)', async () => {
      const store = h.store();
      const t0 = new Date('2026-01-05T10:00:00.000Z');
      const first = makePayment();
      const oldKey = makeIdempotencyRecord({
        paymentId: first.id,
        createdAt: t0,
        expiresAt: new Date(t0.getTime() + 60_000),
      });
      await store.createPayment({ payment: first, idempotency: oldKey });

      const later = new Date(t0.getTime() + 120_000);
      const second = makePayment();
      const newKey = {
        ...oldKey,
        paymentId: second.id,
        fingerprint: 'fp-2',
        createdAt: later,
        expiresAt: new Date(later.getTime() + 60_000),
      };
      const result = await store.createPayment({ payment: second, idempotency: newKey });

      expect(result.kind).toBe('created');
      expect(await store.getIdempotency(oldKey.ownerId, oldKey.key, later)).toEqual(newKey);
    });

    it('scopes idempotency keys per owner', async () => {
      const store = h.store();
      const a = makePayment({ ownerId: 'owner-a' });
      const b = makePayment({ ownerId: 'owner-b' });
      const keyA = makeIdempotencyRecord({ ownerId: 'owner-a', key: 'shared-key', paymentId: a.id });
      const keyB = makeIdempotencyRecord({ ownerId: 'owner-b', key: 'shared-key', paymentId: b.id });

      expect((await store.createPayment({ payment: a, idempotency: keyA })).kind).toBe('created');
      expect((await store.createPayment({ payment: b, idempotency: keyB })).kind).toBe('created');
      expect((await store.getIdempotency('owner-b', 'shared-key', keyB.createdAt))?.paymentId).toBe(b.id);
    });

    it('with exclusiveMsisdn, refuses while another pending/processing payment has the MSISDN (any owner)', async () => {
      const store = h.store();
      const msisdn = '255712000001';
      const active = makePayment({ msisdn, ownerId: 'owner-a' });
      await store.createPayment({ payment: active });

      const blocked = makePayment({ msisdn, ownerId: 'owner-b' });
      const key = makeIdempotencyRecord({ ownerId: 'owner-b', paymentId: blocked.id });
      expect(
        await store.createPayment({ payment: blocked, exclusiveMsisdn: true, idempotency: key }),
      ).toEqual({
        kind: 'msisdn_busy',
        paymentId: active.id,
      });
      expect(await store.getPayment(blocked.id)).toBeNull();
      expect(await store.getIdempotency(key.ownerId, key.key, key.createdAt)).toBeNull();

      // without the flag there is no guard
      expect((await store.createPayment({ payment: makePayment({ msisdn }) })).kind).toBe('created');
      // another number is free
      const other = makePayment({ msisdn: '255712000002' });
      expect((await store.createPayment({ payment: other, exclusiveMsisdn: true })).kind).toBe('created');
    });

    it('counts processing as active and success/failed/cancelled as free for exclusiveMsisdn', async () => {
      const store = h.store();
      const msisdn = '255712000003';
      const processing = makePayment({ msisdn, status: 'processing' });
      await store.createPayment({ payment: processing });
      const blocked = await store.createPayment({ payment: makePayment({ msisdn }), exclusiveMsisdn: true });
      expect(blocked).toEqual({ kind: 'msisdn_busy', paymentId: processing.id });

      const done = await store.transition({
        paymentId: processing.id,
        expectedVersion: 1,
        changes: { status: 'success' },
      });
      expect(done.applied).toBe(true);
      for (const status of ['failed', 'cancelled'] as const) {
        await store.createPayment({ payment: makePayment({ msisdn, status }) });
      }
      const free = await store.createPayment({ payment: makePayment({ msisdn }), exclusiveMsisdn: true });
      expect(free.kind).toBe('created');
    });
  });
}
