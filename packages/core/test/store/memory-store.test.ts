import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PaymentRecord } from '../../src/domain/payment.js';
import { ClickPesaKitError } from '../../src/errors.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { payment as basePayment, T0 } from '../domain/transition-fixtures.js';

// The full contract (races included) runs in packages/store-tests/test/memory.test.ts;
// this file covers what only the memory store has: fault injection and its identity.

/** A pending payment with its own id and order reference. */
function payment(overrides: Partial<PaymentRecord> = {}): PaymentRecord {
  const reference = `PAY${randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase()}`;
  return basePayment({
    id: randomUUID(),
    orderReference: reference,
    orderReferences: [reference],
    ...overrides,
  });
}

const idempotency = (paymentId: string) => ({
  ownerId: 'owner-a',
  key: 'k-1',
  fingerprint: 'fp',
  scope: 'initiate',
  paymentId,
  state: 'in_flight' as const,
  createdAt: T0,
  expiresAt: new Date(T0.getTime() + 86_400_000),
});

describe('createMemoryStore', () => {
  it('is the single-process memory kind', () => {
    const store = createMemoryStore();
    expect(store.kind).toBe('memory');
    expect(store.shared).toBe(false);
    expect(store.budget).toBeUndefined();
  });

  it('failNext fails the next call of that operation with STORE_UNAVAILABLE and writes nothing (IDEM-12)', async () => {
    const store = createMemoryStore();
    const p = payment();
    store.failNext('createPayment');

    const error = await store
      .createPayment({ payment: p, idempotency: idempotency(p.id) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClickPesaKitError);
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', httpStatus: 503 });
    expect(await store.getPayment(p.id)).toBeNull();
    expect(await store.getIdempotency('owner-a', 'k-1', T0)).toBeNull();

    // only the next call failed: the retry goes through
    expect((await store.createPayment({ payment: p, idempotency: idempotency(p.id) })).kind).toBe('created');
  });

  it('failNext takes a custom error and a count, and leaves other operations alone', async () => {
    const store = createMemoryStore();
    const p = payment();
    await store.createPayment({ payment: p });
    const boom = new Error('disk full');
    store.failNext('transition', boom, 2);

    await expect(
      store.transition({ paymentId: p.id, expectedVersion: 1, changes: { status: 'processing' } }),
    ).rejects.toBe(boom);
    expect((await store.getPayment(p.id))?.status).toBe('pending');
    await expect(
      store.transition({ paymentId: p.id, expectedVersion: 1, changes: { status: 'processing' } }),
    ).rejects.toBe(boom);
    const third = await store.transition({
      paymentId: p.id,
      expectedVersion: 1,
      changes: { status: 'processing' },
    });
    expect(third.applied).toBe(true);
  });

  it("'*' fails whichever operation comes next", async () => {
    const store = createMemoryStore();
    store.failNext('*');
    await expect(store.listEvents('x')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(store.listEvents('x')).resolves.toEqual([]);
  });

  it('arms faults from options and drops them with clearFaults', async () => {
    const store = createMemoryStore({ faults: [{ op: 'ping', times: 2 }, { op: 'claimDue' }] });
    await expect(store.ping()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    store.clearFaults();
    await expect(store.ping()).resolves.toBeUndefined();
    await expect(store.claimDue({ now: T0, limit: 1, leaseMs: 1000, owner: 'a' })).resolves.toEqual([]);
  });

  it('setAvailable(false) takes the whole store down until it is back', async () => {
    const store = createMemoryStore();
    const p = payment();
    await store.createPayment({ payment: p });
    store.setAvailable(false);
    await expect(store.ping()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(store.getPayment(p.id)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    store.setAvailable(true);
    expect((await store.getPayment(p.id))?.id).toBe(p.id);
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
