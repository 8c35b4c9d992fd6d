import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KitFixture, SENTINELS, startKit } from './fixture.js';

/**
 * The audit trail of one payment through the service, the kit and `GET /payments/:id/audit`, against the
 * sandbox over real HTTP: what ClickPesa was asked and answered, and every event, in order, for its owner only.
 */

let f: KitFixture;

beforeAll(async () => {
  // no poller: nothing writes to a payment between the reads compared below
  f = await startKit({ poller: false });
});
afterAll(async () => {
  await f.close();
});

async function paidPayment(): Promise<{ id: string; reference: string }> {
  const created = await f.call('POST', '/payments', {
    json: { amount: 1500, currency: 'TZS', msisdn: '255712345607', customer_name: 'Audit Test' },
  });
  expect(created.status, created.text).toBe(201);
  const payment = created.body.data as { id: string; reference: string };
  f.sandbox.approve(payment.reference);
  const status = await f.call('GET', `/payments/${payment.id}/status`);
  expect((status.body.data as { status: string }).status).toBe('success');
  // the sandbox's webhook for the approval is confirmed inline (no poller): after it, nothing writes
  await f.sandbox.webhooksIdle();
  return payment;
}

describe('the audit trail', () => {
  it('GET /payments/:id/audit lists the provider calls and the events in order, secrets removed', async () => {
    const payment = await paidPayment();
    const response = await f.call('GET', `/payments/${payment.id}/audit`);
    expect(response.status, response.text).toBe(200);
    expect(response.body.message).toBe('Payment audit trail retrieved successfully');
    expect((response.body.data as { id: string; status: string }).status).toBe('success');

    const audit = response.body.audit as { at: string; kind: string; data: Record<string, unknown> }[];
    const kinds = audit.map((entry) => entry.kind);
    expect(kinds.filter((kind) => kind === 'provider_request').length).toBeGreaterThanOrEqual(2);
    expect(kinds).toContain('provider_response');
    const times = audit.map((entry) => Date.parse(entry.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const endpoints = audit.filter((entry) => entry.kind === 'provider_request').map((e) => e.data.endpoint);
    expect(endpoints.slice(0, 2)).toEqual(['initiate', 'query']);

    const events = response.body.events as { seq: number; type: string; occurred_at: string }[];
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events.map((event) => event.type)).toContain('payment.succeeded');
    expect(events[0]?.type).toBe('payment.created');
    for (const secret of Object.values(SENTINELS)) expect(response.text).not.toContain(secret);
    // the event rows carry the event only, never the stored payment snapshot (owner id, bookkeeping)
    expect(response.text).not.toContain('"ownerId"');
  });

  it('the service and the kit answer the same trail; the route adds nothing the store does not hold', async () => {
    const payment = await paidPayment();
    const fromService = await f.kit.service.audit('alice', payment.id);
    const fromKit = await f.kit.audit('alice', payment.id);
    expect(fromKit.entries).toEqual(fromService.entries);
    expect(fromKit.events.map((event) => event.id)).toEqual(fromService.events.map((event) => event.id));
    expect(fromService.events.length).toBe((await f.store.listEvents(payment.id)).length);
    expect(fromService.entries.length).toBe((await f.store.listAudit(payment.id)).length);
    const route = await f.call('GET', `/payments/${payment.id}/audit/`);
    expect((route.body.events as unknown[]).length).toBe(fromService.events.length);
    expect((route.body.audit as unknown[]).length).toBe(fromService.entries.length);
  });

  it("another owner's payment is 404 exactly like an unknown id, and no ClickPesa call is made", async () => {
    const payment = await paidPayment();
    const before = f.sandbox.requests.length;
    const other = await f.call('GET', `/payments/${payment.id}/audit`, { token: 'bob-token' });
    const unknown = await f.call('GET', '/payments/pay_unknown_123/audit', { token: 'bob-token' });
    expect(other.status).toBe(404);
    expect(other.body).toEqual(unknown.body);
    await expect(f.kit.service.audit('bob', payment.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const anonymous = await f.call('GET', `/payments/${payment.id}/audit`, { token: null });
    expect(anonymous.status).toBe(401);
    expect(f.sandbox.requests.length).toBe(before);
  });

  it('an id that cannot be a payment id is 404 like the other routes', async () => {
    const response = await f.call('GET', '/payments/bad%20id!/audit');
    expect(response.status).toBe(404);
    expect(response.body.success).toBe(false);
  });
});
