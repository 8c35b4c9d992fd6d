import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { payment } from './unique-payment.js';

// The full contract (races included) runs in packages/store-tests/test/memory.test.ts;
// this file covers what only the memory store has: its identity and its isolation. Fault injection is
// the store-independent wrapper's (test/testing/faulty-store.test.ts).

describe('createMemoryStore', () => {
  it('is the single-process memory kind', () => {
    const store = createMemoryStore();
    expect(store.kind).toBe('memory');
    expect(store.shared).toBe(false);
    expect(store.budget).toBeUndefined();
  });

  it('refuses every operation after close; closing twice is fine', async () => {
    const store = createMemoryStore();
    await store.close();
    await store.close();
    await expect(store.getPayment('x')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('never lets a transition rewrite identity fields, even through a cast', async () => {
    const store = createMemoryStore();
    const p = payment();
    await store.createPayment({ payment: p });
    const sneaky = {
      status: 'processing',
      id: 'other',
      ownerId: 'owner-b',
      version: 99,
      orderReferences: [],
    } as never;
    const result = await store.transition({ paymentId: p.id, expectedVersion: 1, changes: sneaky });
    expect(result.applied && result.payment).toMatchObject({
      id: p.id,
      ownerId: 'owner-a',
      version: 2,
      status: 'processing',
      orderReferences: [p.orderReference],
    });
  });

  it('moving back to one of its own earlier order references is a conflict', async () => {
    const store = createMemoryStore();
    const p = payment();
    await store.createPayment({ payment: p });
    await store.transition({
      paymentId: p.id,
      expectedVersion: 1,
      changes: { orderReference: 'PAYSECOND000001' },
    });
    await expect(
      store.transition({
        paymentId: p.id,
        expectedVersion: 2,
        changes: { orderReference: p.orderReference },
      }),
    ).rejects.toMatchObject({ code: 'STORE_CONFLICT' });
  });
});
