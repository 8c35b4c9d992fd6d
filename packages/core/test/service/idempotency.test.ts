import { describe, expect, it } from 'vitest';
import { isClickPesaKitError } from '../../src/errors.js';
import type { PushResult } from '../../src/service/types.js';
import { OTHER_OWNER, OWNER, paymentBody, phone, useHarness } from './harness.js';

const h = useHarness();

let keyCounter = 0;
const newKey = () => `key-${process.pid}-${++keyCounter}`;

describe('Idempotency-Key (IDEM-1..7)', () => {
  it('IDEM-1: rejects keys that are not 1–255 printable ASCII, storing nothing', async () => {
    for (const key of ['', 'k'.repeat(256), 'tab\there', 'ключ']) {
      const error = await h.service
        .initiate(OWNER, paymentBody(7), { idempotencyKey: key })
        .catch((e: unknown) => e);
      expect(isClickPesaKitError(error, 'VALIDATION_ERROR')).toBe(true);
      expect((error as { details?: unknown }).details).toEqual([
        { field: 'Idempotency-Key', message: 'must be 1 to 255 printable ASCII characters' },
      ]);
    }
    const ok = await h.service.initiate(OWNER, paymentBody(9), { idempotencyKey: 'k'.repeat(255) });
    expect(ok.replayed).toBe(false);
    expect(h.calls('initiate')).toBe(1);
  });

  it('IDEM-1: keys are scoped per owner: the same key from two owners makes two payments', async () => {
    const key = newKey();
    const a = await h.service.initiate(OWNER, paymentBody(7), { idempotencyKey: key });
    const b = await h.service.initiate(OTHER_OWNER, paymentBody(7), { idempotencyKey: key });
    expect(a.payment.id).not.toBe(b.payment.id);
    expect(b.replayed).toBe(false);
    expect(h.calls('initiate')).toBe(2);
  });

  it('IDEM-1: in "require key" mode a missing key is refused before anything happens', async () => {
    const strict = h.serviceWith({ requireIdempotencyKey: true });
    await expect(strict.initiate(OWNER, paymentBody(7))).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REQUIRED',
    });
    expect(h.calls('*')).toBe(0);
  });

  it('IDEM-2: 100 concurrent requests with one key reach ClickPesa once', async () => {
    const key = newKey();
    const body = paymentBody(7);
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, () => h.service.initiate(OWNER, body, { idempotencyKey: key })),
    );
    expect(h.calls('initiate')).toBe(1);
    const ids = new Set<string>();
    for (const result of results) {
      if (result.status === 'fulfilled') ids.add(result.value.payment.id);
      else expect(result.reason).toMatchObject({ code: 'IDEMPOTENCY_KEY_IN_USE' });
    }
    expect(ids.size).toBe(1);
  });

  it('IDEM-3: a same-key request while the first runs gets 409; after it finished, a replay', async () => {
    const key = newKey();
    const body = paymentBody(7);
    h.sb.fault({ endpoint: 'initiate', kind: 'latency', ms: 300 });
    const first = h.service.initiate(OWNER, body, { idempotencyKey: key });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(h.service.initiate(OWNER, body, { idempotencyKey: key })).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_IN_USE',
    });
    const original = await first;
    const replay = await h.service.initiate(OWNER, body, { idempotencyKey: key });
    expect(replay.replayed).toBe(true);
    expect(replay.payment.id).toBe(original.payment.id);
    expect(replay.outcome).toBe('accepted');
    expect(h.calls('initiate')).toBe(1);
  });

  it('IDEM-4: the same key with another body → IDEMPOTENCY_KEY_REUSED; a differently written phone is the same body', async () => {
    const key = newKey();
    const msisdn = phone(7);
    const first = await h.service.initiate(OWNER, { amount: 1000, msisdn }, { idempotencyKey: key });
    await expect(
      h.service.initiate(OWNER, { amount: 2000, msisdn }, { idempotencyKey: key }),
    ).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', httpStatus: 422 });
    const local = `0${msisdn.slice(3)}`;
    const same = await h.service.initiate(
      OWNER,
      { amount: '1000.00', currency: 'TZS', msisdn: local },
      { idempotencyKey: key },
    );
    expect(same.replayed).toBe(true);
    expect(same.payment.id).toBe(first.payment.id);
    expect(h.calls('initiate')).toBe(1);
  });

  it('IDEM-5: a replay after an ambiguous initiate queries ClickPesa and never pushes again', async () => {
    const key = newKey();
    const body = paymentBody(7);
    h.sb.fault({ endpoint: 'initiate', kind: 'reset', when: 'after' });
    const first = await h.service.initiate(OWNER, body, { idempotencyKey: key });
    expect(first.outcome).toBe('pending');
    expect(first.payment.status).toBe('pending');
    expect(first.payment.initiateOutcome).toBe('unknown');

    const replay = await h.service.initiate(OWNER, body, { idempotencyKey: key });
    expect(replay.replayed).toBe(true);
    expect(replay.payment.status).toBe('processing');
    expect(replay.payment.initiateOutcome).toBe('accepted');
    expect(replay.outcome).toBe('accepted');
    expect(h.calls('initiate')).toBe(1);
    expect(h.calls('query', first.payment.orderReference)).toBe(1);
  });

  it('IDEM-6: records live 24 h: a replay at 23 h, a new payment at 25 h', async () => {
    const key = newKey();
    const body = paymentBody(9);
    const first = await h.service.initiate(OWNER, body, { idempotencyKey: key });
    h.clock.advance(23 * 3_600_000);
    const replay = await h.service.initiate(OWNER, body, { idempotencyKey: key });
    expect(replay.replayed).toBe(true);
    expect(replay.payment.id).toBe(first.payment.id);
    h.clock.advance(2 * 3_600_000);
    const fresh = await h.service.initiate(OWNER, body, { idempotencyKey: key });
    expect(fresh.replayed).toBe(false);
    expect(fresh.payment.id).not.toBe(first.payment.id);
  });

  it('IDEM-7: a validation failure stores nothing; the same key then works', async () => {
    const key = newKey();
    await expect(
      h.service.initiate(OWNER, { amount: 1000, msisdn: '255642345678' }, { idempotencyKey: key }),
    ).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(await h.store.getIdempotency(OWNER, key, h.clock.now())).toBeNull();
    const ok = await h.service.initiate(OWNER, paymentBody(7), { idempotencyKey: key });
    expect(ok.replayed).toBe(false);
    expect(h.calls('initiate')).toBe(1);
  });

  it('an abandoned in-flight key (older than the lock) replays the current state', async () => {
    const key = newKey();
    const body = paymentBody(7);
    h.store.failNext('transition');
    await expect(h.service.initiate(OWNER, body, { idempotencyKey: key })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
    await expect(h.service.initiate(OWNER, body, { idempotencyKey: key })).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_IN_USE',
    });
    h.clock.advance(61_000);
    const replay: PushResult = await h.service.initiate(OWNER, body, { idempotencyKey: key });
    expect(replay.replayed).toBe(true);
    expect(replay.payment.status).toBe('processing');
    expect(h.calls('initiate')).toBe(1);
    expect((await h.store.getIdempotency(OWNER, key, h.clock.now()))?.state).toBe('completed');
  });
});

describe('one push per phone (IDEM-11)', () => {
  it('refuses a second payment for an MSISDN with a payment in flight', async () => {
    const msisdn = phone(7);
    await h.service.initiate(OWNER, { amount: 1000, msisdn });
    await expect(h.service.initiate(OWNER, { amount: 500, msisdn })).rejects.toMatchObject({
      code: 'PUSH_IN_PROGRESS',
    });
    expect(h.calls('initiate')).toBe(1);
  });
});
