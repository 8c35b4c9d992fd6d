import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeAudit, makePayment, makeWebhookReceipt } from '../fixtures.js';
import { expectStoreError, type StoreHarness } from '../harness.js';

export function describeRecords(h: StoreHarness): void {
  describe('webhook receipts', () => {
    it('inserts a receipt once per dedupe key and lists them in arrival order, payload and Dates intact', async () => {
      const store = h.store();
      const base = Date.UTC(2026, 0, 5, 10);
      const first = makeWebhookReceipt({
        orderReference: 'PAYHOOK00000001',
        paymentId: randomUUID(),
        orphan: false,
        verified: true,
        receivedAt: new Date(base),
        payload: {
          event: 'PAYMENT RECEIVED',
          data: { collectedAmount: '10000', customer: { customerName: 'Zoë' }, list: [1, 'two', null] },
        },
      });
      const orphan = makeWebhookReceipt({
        orderReference: null,
        paymentId: null,
        eventType: null,
        providerStatus: null,
        receivedAt: new Date(base + 1_000),
        payload: ['not', 'an', 'object'],
      });
      const second = makeWebhookReceipt({
        orderReference: 'PAYHOOK00000001',
        receivedAt: new Date(base + 2_000),
      });

      expect(await store.recordWebhookReceipt(first)).toEqual({ inserted: true });
      expect(await store.recordWebhookReceipt({ ...first, receivedAt: new Date(base + 500) })).toEqual({
        inserted: false,
      });
      expect(await store.recordWebhookReceipt(orphan)).toEqual({ inserted: true });
      expect(await store.recordWebhookReceipt(second)).toEqual({ inserted: true });

      const all = await store.listWebhookReceipts();
      expect(all).toEqual([first, orphan, second]);
      expect(all.every((receipt) => receipt.receivedAt instanceof Date)).toBe(true);
      expect(await store.listWebhookReceipts({ orderReference: 'PAYHOOK00000001' })).toEqual([first, second]);
      expect(await store.listWebhookReceipts({ orderReference: 'PAYNONE00000000' })).toEqual([]);
    });
  });

  describe('audit log', () => {
    it('keeps entries per payment in append order, with JSON data and Dates intact', async () => {
      const store = h.store();
      const payment = makePayment();
      const other = makePayment();
      await store.createPayment({
        payment,
        audit: [makeAudit(payment.id, { kind: 'note', data: { step: 0 } })],
      });
      await store.createPayment({ payment: other });
      const at = new Date(Date.UTC(2026, 0, 5, 10, 0, 0, 7));
      await store.appendAudit([
        makeAudit(payment.id, {
          kind: 'provider_request',
          at,
          data: { step: 1, body: { amount: '1000', nested: [{ a: 1 }] } },
        }),
        makeAudit(other.id, { kind: 'webhook', data: { step: 'other' } }),
        makeAudit(payment.id, { kind: 'provider_response', data: { step: 2, status: 200 } }),
        makeAudit(null, { kind: 'webhook', data: { orphan: true } }),
      ]);
      await store.appendAudit([makeAudit(payment.id, { kind: 'transition', data: { step: 3 } })]);
      await store.appendAudit([]);

      const entries = await store.listAudit(payment.id);
      expect(entries.map((entry) => entry.data.step)).toEqual([0, 1, 2, 3]);
      expect(entries.map((entry) => entry.kind)).toEqual([
        'note',
        'provider_request',
        'provider_response',
        'transition',
      ]);
      expect(entries[1]).toEqual({
        paymentId: payment.id,
        at,
        kind: 'provider_request',
        data: { step: 1, body: { amount: '1000', nested: [{ a: 1 }] } },
      });
      expect(entries.every((entry) => entry.at instanceof Date)).toBe(true);
      expect((await store.listAudit(other.id)).map((entry) => entry.data.step)).toEqual(['other']);
      expect(await store.listAudit('00000000-0000-4000-8000-000000000000')).toEqual([]);
    });
  });

  describe('ping and close', () => {
    it('pings while open; after close, ping fails with STORE_UNAVAILABLE', async () => {
      const store = h.store();
      await expect(store.ping()).resolves.toBeUndefined();
      await h.closeStore();
      await expectStoreError(store.ping(), 'STORE_UNAVAILABLE');
    });

    it('names its kind and whether it can be shared between processes', () => {
      const store = h.store();
      expect(typeof store.kind).toBe('string');
      expect(store.kind.length).toBeGreaterThan(0);
      expect(typeof store.shared).toBe('boolean');
    });
  });
}
