import { expect, it } from 'vitest';
import type { HostVariant } from './host-conventions.js';
import { expectMatchesOpenApi } from './openapi-check.js';
import type { StoreKind } from './stores.js';
import {
  type Answer,
  answerOf,
  clickpesaOf,
  describeHosts,
  nextMsisdn,
  useHost,
  useSandbox,
} from './suite-kit.js';

const phone = () => nextMsisdn('25575');

/**
 * Orders over real HTTP (ORD-1, ORD-2): `GET /payments` lists only the caller's own payments (no IDOR: bob
 * never sees alice's, not even by her order id), pages with a cursor, names bad query parameters; a second
 * POST for an order with a live payment answers 409 with that payment, also when the POSTs race; an order
 * takes at most `maxAttemptsPerOrder` payments; a cancelled payment keeps its phone locked.
 */
export function runOrdersSuite(variants: HostVariant[], stores: StoreKind[]): void {
  const sandbox = useSandbox({ approveDelayMs: 60_000 });

  describeHosts('orders', variants, stores, (variant, kind) => {
    const host = useHost(variant, kind, () => ({
      mount: '/',
      options: {
        clickpesa: clickpesaOf(sandbox()),
        poller: false,
        budget: false,
        // the push limits have their own suite; here one owner races many pushes
        rateLimits: false,
        maxAttemptsPerOrder: 3,
      },
    }));

    async function call(
      method: 'GET' | 'POST',
      path: string,
      token: string,
      json?: unknown,
    ): Promise<Answer> {
      return answerOf(
        await fetch(`${host().base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(json === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(json === undefined ? {} : { body: JSON.stringify(json) }),
        }),
      );
    }

    const create = (token: string, order: string, msisdn = phone()) =>
      call('POST', '/payments', token, { amount: 1000, msisdn, external_order_id: order });
    const cancel = (id: string) => call('POST', `/payments/${id}/cancel`, 'alice-token');

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
      const pushes = sandbox().count('initiate');
      const busy = await create('alice-token', order);
      expect(busy.status).toBe(409);
      expectMatchesOpenApi('POST', '/payments', busy.status, busy.body);
      expect(busy.body.error.code).toBe('ORDER_HAS_ACTIVE_PAYMENT');
      expect(busy.body.data.id).toBe(first.body.data.id);
      expect(sandbox().count('initiate')).toBe(pushes);

      expect((await call('POST', `/payments/${first.body.data.id}/cancel`, 'alice-token')).status).toBe(200);
      const again = await create('alice-token', order);
      expect(again.status).toBe(201);
    });

    it('races 20 concurrent POSTs for one order through HTTP: one payment, one push, 19 × 409 with it', async () => {
      const order = 'ORD-race';
      const pushes = sandbox().count('initiate');
      const answers = await Promise.all(Array.from({ length: 20 }, () => create('alice-token', order)));
      const created = answers.filter((answer) => answer.status === 201);
      expect(created).toHaveLength(1);
      const winner = created[0]!.body.data.id;
      const busy = answers.filter((answer) => answer.status === 409);
      expect(busy).toHaveLength(19);
      for (const answer of busy) {
        expect(answer.body.error.code).toBe('ORDER_HAS_ACTIVE_PAYMENT');
        expect(answer.body.data.id).toBe(winner);
      }
      expect(sandbox().count('initiate') - pushes).toBe(1);
      const listed = await call('GET', `/payments?external_order_id=${order}`, 'alice-token');
      expect(listed.body.data.map((payment: { id: string }) => payment.id)).toEqual([winner]);
    });

    it('caps the payments of one order (maxAttemptsPerOrder 3): the 4th is 409 ORDER_ATTEMPTS_EXHAUSTED, no push', async () => {
      const order = 'ORD-capped';
      for (let attempt = 0; attempt < 3; attempt++) {
        const made = await create('alice-token', order);
        expect(made.status).toBe(201);
        expect((await cancel(made.body.data.id)).status).toBe(200);
      }
      const pushes = sandbox().count('initiate');
      const capped = await create('alice-token', order);
      expect(capped.status).toBe(409);
      expectMatchesOpenApi('POST', '/payments', capped.status, capped.body);
      expect(capped.body.error.code).toBe('ORDER_ATTEMPTS_EXHAUSTED');
      expect(sandbox().count('initiate')).toBe(pushes);
      const listed = await call('GET', `/payments?external_order_id=${order}`, 'alice-token');
      expect(listed.body.data).toHaveLength(3);
      // the cap is per user: bob's order of the same name is his own
      expect((await create('bob-token', order)).status).toBe(201);
    });

    it('keeps the phone locked after cancel while the prompt may be live: 409 PUSH_IN_PROGRESS, no push', async () => {
      const msisdn = phone();
      const first = await create('alice-token', 'ORD-locked-1', msisdn);
      expect(first.status).toBe(201);
      expect((await cancel(first.body.data.id)).status).toBe(200);
      const pushes = sandbox().count('initiate');
      const again = await create('alice-token', 'ORD-locked-2', msisdn);
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('PUSH_IN_PROGRESS');
      // retrying the cancelled payment is refused too: ClickPesa still shows its attempt as open
      const retried = await call('POST', `/payments/${first.body.data.id}/retry`, 'alice-token');
      expect(retried.status).toBe(409);
      expect(retried.body.error.code).toBe('RETRY_NOT_ALLOWED');
      expect(sandbox().count('initiate')).toBe(pushes);
    });
  });
}
