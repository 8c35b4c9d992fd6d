import { describe, expect, it } from 'vitest';
import type { ClickPesaApi } from '../../src/client/types.js';
import { createPaymentService } from '../../src/service/payment-service.js';
import { eventTypes, OWNER, paymentBody, useHarness } from './harness.js';

const h = useHarness();

/**
 * SM-13: an initiate answer that claims success is evidence only when it names our order reference and the
 * collected amount; otherwise a query decides.
 */
describe('an initiate answered SUCCESS that proves nothing', () => {
  it('without orderReference: not taken as success, confirmed by a query (ClickPesa has no such push)', async () => {
    // the sandbox answers instead of processing: no push exists behind this "SUCCESS"
    h.sb.fault({
      endpoint: 'initiate',
      kind: 'status',
      status: 200,
      body: { id: 'TXN-FORGED', status: 'SUCCESS', collectedAmount: '1000', collectedCurrency: 'TZS' },
    });
    const pushed = await h.service.initiate(OWNER, paymentBody(7));
    expect(pushed.outcome).toBe('pending');
    expect(pushed.payment.status).toBe('pending');
    expect(pushed.payment.completedAt).toBeNull();
    expect(h.calls('query', pushed.payment.orderReference)).toBe(1);
    expect(eventTypes(h.emitted, pushed.payment.id)).toEqual(['payment.created']);
    // still reconciled later: the poller has it due
    expect(pushed.payment.nextPollAt).toBeInstanceOf(Date);
  });

  it('without an amount: the query decides (ClickPesa says PROCESSING, so processing)', async () => {
    // ClickPesa really receives the push; only its answer is cut down to a bare SUCCESS with our reference
    const client: ClickPesaApi = {
      ...h.client,
      async initiateUssdPush(request, options) {
        const result = await h.client.initiateUssdPush(request, options);
        if (result.kind !== 'accepted') return result;
        const { collectedAmount: _amount, ...rest } = result.payment;
        const raw = { id: rest.id, status: 'SUCCESS', orderReference: request.orderReference };
        return { kind: 'accepted', payment: { ...rest, status: 'SUCCESS' }, raw };
      },
    };
    const service = createPaymentService({
      store: h.store,
      client,
      events: h.events,
      clock: h.clock,
    });
    const pushed = await service.initiate(OWNER, paymentBody(7));
    expect(pushed.payment.status).toBe('processing');
    expect(pushed.outcome).toBe('accepted');
    expect(h.calls('query', pushed.payment.orderReference)).toBe(1);
    expect(eventTypes(h.emitted, pushed.payment.id)).not.toContain('payment.succeeded');
  });

  it('a full answer (reference and amount) is still taken as it is: no query', async () => {
    const pushed = await h.service.initiate(OWNER, paymentBody(7));
    expect(pushed.payment.status).toBe('processing');
    expect(h.calls('query')).toBe(0);
  });
});
