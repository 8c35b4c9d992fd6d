import { describe, expect, it } from 'vitest';
import { ClickPesaKitError } from '../../src/errors.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { withFaults } from '../../src/testing/faulty-store.js';
import { T0 } from '../domain/transition-fixtures.js';
import { payment } from '../store/unique-payment.js';

// The fault-injecting wrapper, over the memory store (store-sqlite's tests run it over SQLite too).

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

describe('withFaults', () => {
  it('failNext fails the next call of that operation with STORE_UNAVAILABLE and writes nothing (IDEM-12)', async () => {
    const store = withFaults(createMemoryStore());
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
    const store = withFaults(createMemoryStore());
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
    const store = withFaults(createMemoryStore());
    store.failNext('*');
    await expect(store.listEvents('x')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(store.listEvents('x')).resolves.toEqual([]);
  });

  it('arms faults from options and drops them with clearFaults', async () => {
    const store = withFaults(createMemoryStore(), { faults: [{ op: 'ping', times: 2 }, { op: 'claimDue' }] });
    await expect(store.ping()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    store.clearFaults();
    await expect(store.ping()).resolves.toBeUndefined();
    await expect(store.claimDue({ now: T0, limit: 1, leaseMs: 1000, owner: 'a' })).resolves.toEqual([]);
  });

  it('setAvailable(false) takes the whole store down until it is back', async () => {
    const store = withFaults(createMemoryStore());
    const p = payment();
    await store.createPayment({ payment: p });
    store.setAvailable(false);
    await expect(store.ping()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(store.getPayment(p.id)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    store.setAvailable(true);
    expect((await store.getPayment(p.id))?.id).toBe(p.id);
  });

  it('passes the store through: its kind, its own members, close while unavailable', async () => {
    const store = withFaults(createMemoryStore());
    expect(store.kind).toBe('memory');
    expect(store.shared).toBe(false);
    expect(store.budget).toBeUndefined();
    store.setAvailable(false);
    await store.close();
    store.setAvailable(true);
    await expect(store.ping()).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: 'The memory store is closed',
    });
  });
});
