import { createMemoryStore } from '@clickpesa-kit/core';
import { type Sandbox, startSandbox } from '@clickpesa-kit/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostVariant, RunningHost } from './host-conventions.js';
import { expectMatchesOpenApi } from './openapi-check.js';

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: envelopes are asserted field by field
  body: any;
}

let serial = 0;
/** A fresh Vodacom number ending in 7 (the sandbox's customer never answers: payments stay open). */
function nextMsisdn(): string {
  serial += 1;
  return `25575${String(serial).padStart(6, '0')}7`;
}

/**
 * Orders over real HTTP (ORD-1, ORD-2): `GET /payments` lists only the caller's own payments (no IDOR: bob
 * never sees alice's, not even by her order id), pages with a cursor, names bad query parameters; a second
 * POST for an order with a live payment answers 409 with that payment.
 */
export function runOrdersSuite(variants: HostVariant[]): void {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ approveDelayMs: 60_000 });
  });
  afterAll(() => sandbox.close());

  describe.each(variants)('orders: $name', (variant) => {
    let host: RunningHost;
    beforeAll(async () => {
      host = await variant.start({
        mount: '/',
        options: {
          store: createMemoryStore(),
          clickpesa: { clientId: sandbox.clientId, apiKey: sandbox.apiKey, baseUrl: sandbox.url, env: {} },
          poller: false,
          budget: false,
        },
      });
    });
    afterAll(() => host.close());

    async function call(
      method: 'GET' | 'POST',
      path: string,
      token: string,
      json?: unknown,
    ): Promise<Answer> {
      const response = await fetch(`${host.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    }

    const create = (token: string, order: string) =>
      call('POST', '/payments', token, { amount: 1000, msisdn: nextMsisdn(), external_order_id: order });

    it("lists only the caller's payments: bob sees none of alice's, even by her order id", async () => {
      const order = `ORD-${variant.name}-idor`;
      const alice = await create('alice-token', order);
      expect(alice.status).toBe(201);
      const bobOwn = await create('bob-token', `ORD-${variant.name}-bob`);
      expect(bobOwn.status).toBe(201);

      const mine = await call(
        'GET',
        `/payments?external_order_id=${encodeURIComponent(order)}`,
        'alice-token',
      );
      expect(mine.status).toBe(200);
      expectMatchesOpenApi('GET', '/payments', mine.status, mine.body);
      expect(mine.body.data.map((payment: { id: string }) => payment.id)).toEqual([alice.body.data.id]);
      expect(mine.body.next_cursor).toBeNull();

      const theirs = await call(
        'GET',
        `/payments?external_order_id=${encodeURIComponent(order)}`,
        'bob-token',
      );
      expect(theirs.status).toBe(200);
      expect(theirs.body.data).toEqual([]);
      const all = await call('GET', '/payments?limit=100', 'bob-token');
      const ids = all.body.data.map((payment: { id: string }) => payment.id);
      expect(ids).toContain(bobOwn.body.data.id);
      expect(ids).not.toContain(alice.body.data.id);
    });

    it('pages newest first with an opaque cursor, and names bad query parameters in a 400', async () => {
      let status = '';
      for (let i = 0; i < 3; i++) {
        const made = await create('alice-token', `ORD-${variant.name}-page-${i}`);
        expect(made.status).toBe(201);
        status = made.body.data.status;
      }
      const first = await call('GET', `/payments?limit=2&status=${status}`, 'alice-token');
      expect(first.status).toBe(200);
      expect(first.body.data).toHaveLength(2);
      expect(typeof first.body.next_cursor).toBe('string');
      const second = await call(
        'GET',
        `/payments?limit=2&status=${status}&cursor=${encodeURIComponent(first.body.next_cursor)}`,
        'alice-token',
      );
      const seen = [...first.body.data, ...second.body.data].map((payment: { id: string }) => payment.id);
      expect(new Set(seen).size).toBe(seen.length);
      const created = [...first.body.data, ...second.body.data].map(
        (payment: { created_at: string }) => payment.created_at,
      );
      expect([...created].sort().reverse()).toEqual(created);

      const bad = await call('GET', '/payments?limit=0&status=paid&cursor=%21', 'alice-token');
      expect(bad.status).toBe(400);
      expectMatchesOpenApi('GET', '/payments', bad.status, bad.body);
      expect(bad.body.error.code).toBe('VALIDATION_ERROR');
      const fields = (bad.body.error.details as { field: string }[]).map((detail) => detail.field).sort();
      expect(fields).toEqual(['cursor', 'limit', 'status']);
    });

    it('a second POST for an order with a live payment: 409 ORDER_HAS_ACTIVE_PAYMENT with it; after cancel, 201', async () => {
      const order = `ORD-${variant.name}-busy`;
      const first = await create('alice-token', order);
      expect(first.status).toBe(201);
      const pushes = sandbox.count('initiate');
      const busy = await create('alice-token', order);
      expect(busy.status).toBe(409);
      expectMatchesOpenApi('POST', '/payments', busy.status, busy.body);
      expect(busy.body.error.code).toBe('ORDER_HAS_ACTIVE_PAYMENT');
      expect(busy.body.data.id).toBe(first.body.data.id);
      expect(sandbox.count('initiate')).toBe(pushes);

      expect((await call('POST', `/payments/${first.body.data.id}/cancel`, 'alice-token')).status).toBe(200);
      const again = await create('alice-token', order);
      expect(again.status).toBe(201);
    });
  });
}
