import { describe, expect, it, vi } from 'vitest';
import type { WebhookRejectedEvent } from '../../src/events.js';
import { computeChecksum } from '../../src/shared/checksum.js';
import { callsSince, eventTypes, OWNER, paymentBody, useHarness, waitFor } from './harness.js';

const CHECKSUM_KEY = 'sandbox-checksum-key-0123456789';

describe('webhooks without a checksum key (every webhook is confirmed by query)', () => {
  const h = useHarness();

  it('applies a webhook that arrives before the initiate response (WH-12): success, one event', async () => {
    h.sb.fault({ endpoint: 'initiate', kind: 'latency', ms: 400 });
    const created = new Promise<string>((resolve) =>
      h.events.once('payment.created', (e) => resolve(e.payment.orderReference)),
    );
    const initiating = h.service.initiate(OWNER, paymentBody(7));
    const reference = await created;
    await waitFor(() => h.sb.getPayment(reference));
    h.sb.approve(reference);

    expect(await h.sb.sendWebhook(reference, { url: h.webhookUrl })).toBe(200);
    const early = await h.store.getPaymentByOrderReference(reference);
    expect(early?.status).toBe('success');

    const pushed = await initiating;
    expect(pushed.payment.status).toBe('success');
    expect(pushed.outcome).toBe('accepted');
    expect(pushed.payment.initiateOutcome).toBe('accepted');
    const types = eventTypes(h.emitted, pushed.payment.id);
    expect(types.filter((type) => type === 'payment.succeeded')).toHaveLength(1);
    expect(types).not.toContain('payment.processing');
    expect(h.calls('initiate', reference)).toBe(1);
  });

  it('handles the same webhook 50× concurrently: one transition, one event, one query', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(7));
    h.sb.approve(payment.orderReference);
    const statuses = await Promise.all(
      Array.from({ length: 50 }, () => h.sb.sendWebhook(payment.orderReference, { url: h.webhookUrl })),
    );
    expect(statuses.every((status) => status === 200)).toBe(true);
    const stored = await h.service.getPayment(OWNER, payment.id);
    expect(stored.status).toBe('success');
    expect(eventTypes(h.emitted, payment.id).filter((type) => type === 'payment.succeeded')).toHaveLength(1);
    expect((await h.store.listEvents(payment.id)).filter((e) => e.type === 'payment.succeeded')).toHaveLength(
      1,
    );
    expect(h.calls('query', payment.orderReference)).toBe(1);
    expect(await h.store.listWebhookReceipts({ orderReference: payment.orderReference })).toHaveLength(1);
  });

  it('never lets a forged payload change state: no change while ClickPesa says PROCESSING', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(7));
    const forge = (body: Record<string, unknown>) => ({
      ...body,
      data: { ...(body.data as object), status: 'SUCCESS', updatedAt: new Date().toISOString() },
    });
    const status = await h.sb.sendWebhook(payment.orderReference, {
      url: h.webhookUrl,
      event: 'PAYMENT RECEIVED',
      mutate: forge,
    });
    expect(status).toBe(200);
    expect((await h.service.getPayment(OWNER, payment.id)).status).toBe('processing');
    expect(h.calls('query', payment.orderReference)).toBe(1);
    expect(eventTypes(h.emitted, payment.id)).not.toContain('payment.succeeded');

    // once ClickPesa agrees, the next notification moves it (an unverified one for the same status is
    // confirmed again once the last check is older than statusRefreshMs)
    h.sb.approve(payment.orderReference);
    h.clock.advance(2_500);
    expect(await h.sb.sendWebhook(payment.orderReference, { url: h.webhookUrl })).toBe(200);
    expect((await h.service.getPayment(OWNER, payment.id)).status).toBe('success');
  });

  it('a success on an EARLIER attempt of a retried payment flags it for a human, without moving the new attempt', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(7));
    const oldReference = payment.orderReference;
    h.sb.reject(oldReference);
    h.clock.advance(2_500);
    await h.service.refreshStatus(OWNER, payment.id);
    const retried = await h.service.retry(OWNER, payment.id);
    expect(retried.payment.status).toBe('processing');

    h.sb.setStatus(oldReference, 'SUCCESS', 'late approval');
    expect(await h.sb.sendWebhook(oldReference, { url: h.webhookUrl, event: 'PAYMENT RECEIVED' })).toBe(200);
    const stored = await h.service.getPayment(OWNER, payment.id);
    expect(stored.status).toBe('processing');
    expect(stored.orderReference).toBe(retried.payment.orderReference);
    expect(stored.needsAttention).toBe(true);
    expect(eventTypes(h.emitted, payment.id)).toContain('payment.needs_attention');
    const notes = (await h.store.listAudit(payment.id)).filter((entry) => entry.kind === 'note');
    expect(notes.map((entry) => entry.data.note)).toContain('earlier_attempt_succeeded');
  });

  it('spends no ClickPesa call on a notification of what is already known', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(7));
    h.sb.reject(payment.orderReference);
    h.clock.advance(2_500);
    expect((await h.service.refreshStatus(OWNER, payment.id)).payment.status).toBe('failed');
    const queries = h.calls('query');
    expect(await h.sb.sendWebhook(payment.orderReference, { url: h.webhookUrl })).toBe(200);
    expect(h.calls('query')).toBe(queries);
  });

  it('answers 200 for an unverified webhook with an unknown order reference and stores nothing (WH-13)', async () => {
    const body = {
      event: 'PAYMENT RECEIVED',
      data: { orderReference: 'DASHBOARD123', status: 'SUCCESS', id: 'X1' },
    };
    const seen: { orphan: boolean; verified: boolean }[] = [];
    const listener = (event: { orphan: boolean; verified: boolean }) => seen.push(event);
    h.events.on('webhook.received', listener);
    const result = await h.service.handleWebhook({ rawBody: JSON.stringify(body), headers: {} });
    h.events.off('webhook.received', listener);
    expect(result).toEqual({ status: 200, message: 'orphan' });
    expect(await h.store.listWebhookReceipts({ orderReference: 'DASHBOARD123' })).toHaveLength(0);
    expect(seen).toEqual([expect.objectContaining({ orphan: true, verified: false })]);
    expect(h.calls('*')).toBe(0);
  });

  it('keeps 2,000 forged bodies for one payment to a few summary receipts and audit rows (WH-13)', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(7));
    const auditBefore = (await h.store.listAudit(payment.id)).length;
    const queriesBefore = h.calls('query');
    const statuses = ['SUCCESS', 'FAILED', 'SETTLED', 'REVERSED', 'PROCESSING', 'BOGUS'];
    for (let i = 0; i < 2_000; i++) {
      const body = {
        event: `FORGED ${i}`,
        data: {
          orderReference: payment.orderReference,
          status: statuses[i % statuses.length],
          updatedAt: new Date(1_700_000_000_000 + i).toISOString(),
          junk: 'x'.repeat(200) + i,
        },
      };
      expect((await h.service.handleWebhook({ rawBody: JSON.stringify(body), headers: {} })).status).toBe(
        200,
      );
    }
    const receipts = await h.store.listWebhookReceipts({ orderReference: payment.orderReference });
    // one per status class (success, success settled, failed, reversed, processing, needs_attention)
    expect(receipts.length).toBeLessThanOrEqual(statuses.length);
    expect(receipts.every((receipt) => !JSON.stringify(receipt.payload).includes('junk'))).toBe(true);
    const webhookAudit = (await h.store.listAudit(payment.id)).slice(auditBefore);
    expect(webhookAudit.filter((entry) => entry.kind === 'webhook').length).toBeLessThanOrEqual(
      statuses.length,
    );
    // the clock stood still: each status class was confirmed at most once
    expect(h.calls('query') - queriesBefore).toBeLessThanOrEqual(statuses.length);
    expect((await h.service.getPayment(OWNER, payment.id)).status).toBe('processing');
  });

  it.each([
    ['not JSON', 'not json'],
    ['a JSON array', '[1,2]'],
    ['no data object', '{"event":"PAYMENT RECEIVED"}'],
    ['a __proto__ key', '{"__proto__":{"status":"SUCCESS"},"data":{"orderReference":"X"}}'],
    ['a constructor.prototype key', '{"data":{"orderReference":"X","constructor":{"prototype":{"a":1}}}}'],
  ])('answers 400 for %s, with a webhook.rejected event', async (_name, rawBody) => {
    const rejected: WebhookRejectedEvent[] = [];
    const listener = (event: WebhookRejectedEvent) => rejected.push(event);
    h.events.on('webhook.rejected', listener);
    const result = await h.service.handleWebhook({ rawBody, headers: {} });
    h.events.off('webhook.rejected', listener);
    expect(result.status).toBe(400);
    expect(rejected).toEqual([expect.objectContaining({ reason: 'malformed' })]);
  });

  it('reads the parsed body when no raw body is given, and rejects poisoned ones', async () => {
    const poisoned = JSON.parse('{"__proto__":{"x":1},"data":{"orderReference":"X"}}') as unknown;
    expect((await h.service.handleWebhook({ body: poisoned, headers: {} })).status).toBe(400);
    const fine = { event: 'PAYMENT FAILED', data: { orderReference: 'NOTOURS1', status: 'FAILED' } };
    expect(await h.service.handleWebhook({ body: fine, headers: {} })).toEqual({
      status: 200,
      message: 'orphan',
    });
  });

  it('answers 503 when our store is down, so ClickPesa retries', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(7));
    h.store.setAvailable(false);
    try {
      expect(await h.sb.sendWebhook(payment.orderReference, { url: h.webhookUrl })).toBe(503);
    } finally {
      h.store.setAvailable(true);
    }
    expect(await h.sb.sendWebhook(payment.orderReference, { url: h.webhookUrl })).toBe(200);
  });

  it('with confirmWithinMs, leaves the confirmation to the poller: an earlier nextPollAt, no query', async () => {
    const service = h.serviceWith({ confirmWithinMs: 10 });
    const { payment } = await service.initiate(OWNER, paymentBody(7));
    h.sb.approve(payment.orderReference);
    const before = callsSince(h.sb);
    const body = JSON.stringify({
      event: 'PAYMENT RECEIVED',
      data: { orderReference: payment.orderReference, status: 'SUCCESS', updatedAt: 'now-1' },
    });
    expect(await service.handleWebhook({ rawBody: body, headers: {} })).toEqual({
      status: 200,
      message: 'accepted',
    });
    expect(before('query')).toBe(0);
    const answeredAt = h.clock.now().getTime();
    await vi.waitFor(async () => {
      const stored = await service.getPayment(OWNER, payment.id);
      expect(stored.status).toBe('processing');
      expect(stored.nextPollAt!.getTime()).toBeLessThanOrEqual(answeredAt + 10);
    });
  });
});

describe('webhooks with a checksum key', () => {
  const h = useHarness({
    sandbox: { checksumKey: CHECKSUM_KEY },
    service: { checksumKey: CHECKSUM_KEY },
  });

  it('accepts a signed webhook, records it as verified, and still confirms by query (not trusted)', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(7));
    h.sb.approve(payment.orderReference);
    expect(await h.sb.sendWebhook(payment.orderReference, { url: h.webhookUrl })).toBe(200);
    expect((await h.service.getPayment(OWNER, payment.id)).status).toBe('success');
    expect(h.calls('query', payment.orderReference)).toBe(1);
    const [receipt] = await h.store.listWebhookReceipts({ orderReference: payment.orderReference });
    expect(receipt?.verified).toBe(true);
  });

  const badChecksums: Array<[string, unknown]> = [
    ['empty', ''],
    ['short', 'zz'],
    ['63 hex characters', 'a'.repeat(63)],
    ['65 hex characters', 'a'.repeat(65)],
    ['64 non-hex characters', 'g'.repeat(64)],
    ['a wrong 64-hex checksum', 'a'.repeat(64)],
    ['an array', ['a'.repeat(64)]],
    ['a number', 12345],
    ['an object', { value: 'a'.repeat(64) }],
  ];

  it.each(badChecksums)('answers 401 for a %s checksum and changes nothing', async (_name, checksum) => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(7));
    h.sb.approve(payment.orderReference);
    const rejected: WebhookRejectedEvent[] = [];
    const listener = (event: WebhookRejectedEvent) => rejected.push(event);
    h.events.on('webhook.rejected', listener);
    const status = await h.sb.sendWebhook(payment.orderReference, {
      url: h.webhookUrl,
      mutate: (body) => ({ ...body, checksum }),
    });
    h.events.off('webhook.rejected', listener);
    expect(status).toBe(401);
    expect(rejected).toEqual([{ reason: 'bad_checksum', message: 'bad checksum' }]);
    expect((await h.service.getPayment(OWNER, payment.id)).status).toBe('processing');
    expect(h.calls('query')).toBe(0);
    expect(await h.store.listWebhookReceipts({ orderReference: payment.orderReference })).toHaveLength(0);
  });

  it('answers 401 for a missing checksum and for a tampered body', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(7));
    h.sb.approve(payment.orderReference);
    const missing = await h.sb.sendWebhook(payment.orderReference, {
      url: h.webhookUrl,
      mutate: ({ checksum: _c, checksumMethod: _m, ...rest }) => rest,
    });
    expect(missing).toBe(401);
    const tampered = await h.sb.sendWebhook(payment.orderReference, {
      url: h.webhookUrl,
      mutate: (body) => ({ ...body, data: { ...(body.data as object), collectedAmount: '1' } }),
    });
    expect(tampered).toBe(401);
    expect(
      await h.sb.sendWebhook(payment.orderReference, { url: h.webhookUrl, checksumMethod: 'legacy' }),
    ).toBe(401);
    expect((await h.service.getPayment(OWNER, payment.id)).status).toBe('processing');
  });

  it('finds the checksum in a configured header when the body carries none', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(7));
    const body = {
      event: 'PAYMENT RECEIVED',
      data: { orderReference: payment.orderReference, status: 'SUCCESS', updatedAt: 'header-test' },
    };
    const checksum = computeChecksum(body, CHECKSUM_KEY);
    const ok = await h.service.handleWebhook({
      rawBody: JSON.stringify(body),
      headers: { 'x-clickpesa-checksum': checksum },
    });
    expect(ok).toEqual({ status: 200, message: 'accepted' });
    const repeated = await h.service.handleWebhook({
      rawBody: JSON.stringify(body),
      headers: { checksum: [checksum, checksum] },
    });
    expect(repeated.status).toBe(401);
  });

  it('verifies against every configured key during rotation', async () => {
    const rotating = h.serviceWith({ checksumKey: ['the-new-key-0123456789', CHECKSUM_KEY] });
    const { payment } = await rotating.initiate(OWNER, paymentBody(7));
    const body = {
      event: 'PAYMENT FAILED',
      data: { orderReference: payment.orderReference, status: 'FAILED' },
    };
    const signed = { ...body, checksum: computeChecksum(body, CHECKSUM_KEY), checksumMethod: 'canonical' };
    expect((await rotating.handleWebhook({ rawBody: JSON.stringify(signed), headers: {} })).status).toBe(200);
    const retired = h.serviceWith({ checksumKey: 'the-new-key-0123456789' });
    expect((await retired.handleWebhook({ rawBody: JSON.stringify(signed), headers: {} })).status).toBe(401);
  });
});

describe('trusted signed webhooks (checksum key + trustSignedWebhooks)', () => {
  const h = useHarness({
    sandbox: { checksumKey: CHECKSUM_KEY },
    service: { checksumKey: CHECKSUM_KEY, trustSignedWebhooks: true },
  });

  it('applies a verified payload directly, without a confirming query', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(7));
    h.sb.approve(payment.orderReference);
    expect(await h.sb.sendWebhook(payment.orderReference, { url: h.webhookUrl })).toBe(200);
    const stored = await h.service.getPayment(OWNER, payment.id);
    expect(stored.status).toBe('success');
    expect(stored.providerStatus?.status).toBe('SUCCESS');
    expect(h.calls('query')).toBe(0);
  });

  it('reads the older payload generation (eventType, paymentId, amount, currency)', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(7));
    const body = {
      eventType: 'PAYMENT RECEIVED',
      data: {
        paymentId: 'OLDGEN123',
        orderReference: payment.orderReference,
        amount: '1000.00',
        currency: 'TZS',
        status: 'SUCCESS',
        customer: { name: 'Test User' },
        updatedAt: '2026-01-01T00:00:00Z',
      },
    };
    const signed = { ...body, checksum: computeChecksum(body, CHECKSUM_KEY) };
    const result = await h.service.handleWebhook({ rawBody: JSON.stringify(signed, null, 2), headers: {} });
    expect(result.status).toBe(200);
    const stored = await h.service.getPayment(OWNER, payment.id);
    expect(stored.status).toBe('success');
    expect(stored.transactionId).toBe('OLDGEN123');
    expect(stored.needsAttention).toBe(false); // "1000.00" TZS matches the requested 1000
  });

  it('a replayed old webhook after a later state changes nothing', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(7));
    h.sb.reject(payment.orderReference);
    const failed = await h.sb.sendWebhook(payment.orderReference, { url: h.webhookUrl });
    expect(failed).toBe(200);
    expect((await h.service.getPayment(OWNER, payment.id)).status).toBe('failed');
    // the same FAILED delivery again: a duplicate, still 200
    expect(await h.sb.sendWebhook(payment.orderReference, { url: h.webhookUrl })).toBe(200);
    const events = await h.store.listEvents(payment.id);
    expect(events.filter((event) => event.type === 'payment.failed')).toHaveLength(1);
  });
});
