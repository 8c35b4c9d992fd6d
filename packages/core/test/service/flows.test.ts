import { describe, expect, it } from 'vitest';
import { isClickPesaKitError } from '../../src/errors.js';
import { callsSince, eventTypes, OWNER, paymentBody, settledAtSandbox, useHarness } from './harness.js';

const h = useHarness();

/** Lets the status route ask ClickPesa again (it only does when the last check is older than 2 s). */
function staleCheck(): void {
  h.clock.advance(2_500);
}

describe('initiate → status (the usual integration flow)', () => {
  it('initiates, shows processing, and after approval the status route shows success', async () => {
    const pushed = await h.service.initiate(OWNER, paymentBody(7));
    expect(pushed.outcome).toBe('accepted');
    expect(pushed.replayed).toBe(false);
    const payment = pushed.payment;
    expect(payment.status).toBe('processing');
    expect(payment.orderReference).toMatch(/^PAY[0-9A-F]{12}$/);
    expect(payment.amount).toBe('1000.00');
    expect(payment.initiateOutcome).toBe('accepted');
    const atSandbox = h.sb.getPayment(payment.orderReference)!;
    expect(payment.transactionId).toBe(atSandbox.id);
    expect(h.calls('initiate')).toBe(1);

    h.sb.approve(payment.orderReference);
    staleCheck();
    const status = await h.service.refreshStatus(OWNER, payment.id);
    expect(status.payment.status).toBe('success');
    expect(status.payment.transactionId).toBe(atSandbox.id);
    expect(status.payment.completedAt).toBeInstanceOf(Date);
    expect(status.providerStatus?.status).toBe('SUCCESS');
    expect(status.providerStatus?.orderReference).toBe(payment.orderReference);
    expect(h.calls('query', payment.orderReference)).toBe(1);
    expect(eventTypes(h.emitted, payment.id)).toEqual([
      'payment.created',
      'payment.status_changed',
      'payment.processing',
      'payment.status_changed',
      'payment.succeeded',
    ]);
  });

  it('answers a fresh status from the store without asking ClickPesa', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(7));
    const status = await h.service.refreshStatus(OWNER, payment.id);
    expect(status.payment.status).toBe('processing');
    expect(status.providerStatus?.status).toBe('PROCESSING');
    expect(h.calls('query')).toBe(0);
  });

  it('never asks ClickPesa about a final payment', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(9));
    expect(payment.status).toBe('failed');
    staleCheck();
    await h.service.refreshStatus(OWNER, payment.id);
    await h.service.getPayment(OWNER, payment.id);
    expect(h.calls('query')).toBe(0);
  });

  it('records every ClickPesa request and response in the audit log, phone masked', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(7));
    const audit = await h.store.listAudit(payment.id);
    const kinds = audit.map((entry) => entry.kind);
    expect(kinds).toContain('provider_request');
    expect(kinds).toContain('provider_response');
    const text = JSON.stringify(audit);
    expect(text).not.toContain(payment.msisdn);
    expect(text).not.toContain(h.sb.apiKey);
    const response = audit.find((entry) => entry.kind === 'provider_response')!;
    expect(response.data).toMatchObject({ endpoint: 'initiate', outcome: 'accepted' });
  });
});

describe('sandbox scenarios by last digit', () => {
  const cases: Array<{ digit: number; status: string; failureReason?: string; errorMessage?: string }> = [
    ...[0, 1, 2, 3, 4].map((digit) => ({ digit, status: 'success' })),
    {
      digit: 5,
      status: 'failed',
      failureReason: 'provider_failed',
      errorMessage: 'Payment rejected by customer',
    },
    { digit: 6, status: 'failed', failureReason: 'provider_failed', errorMessage: 'Insufficient balance' },
    { digit: 7, status: 'processing' },
    { digit: 8, status: 'success' },
  ];

  it.each(cases)('digit $digit → $status', async ({ digit, status, failureReason, errorMessage }) => {
    const pushed = await h.service.initiate(OWNER, paymentBody(digit));
    expect(pushed.outcome).toBe('accepted');
    expect(pushed.payment.status).toBe('processing');
    if (digit !== 7) await settledAtSandbox(h.sb, pushed.payment.orderReference);
    staleCheck();
    const { payment, providerStatus } = await h.service.refreshStatus(OWNER, pushed.payment.id);
    expect(payment.status).toBe(status);
    expect(payment.failureReason).toBe(failureReason ?? null);
    expect(payment.errorMessage).toBe(errorMessage ?? null);
    expect(providerStatus?.status).toBe(h.sb.getPayment(payment.orderReference)!.status);
  });

  it('digit 9 → ClickPesa rejects the push: failed (initiation_rejected), outcome rejected', async () => {
    const pushed = await h.service.initiate(OWNER, paymentBody(9));
    expect(pushed.outcome).toBe('rejected');
    expect(pushed.payment.status).toBe('failed');
    expect(pushed.payment.failureReason).toBe('initiation_rejected');
    expect(pushed.payment.errorMessage).toBe('Invalid / unsupported phone number');
    expect(pushed.payment.initiateOutcome).toBe('rejected');
    expect(pushed.payment.nextPollAt).toBeNull();
  });

  it('ClickPesa answers initiate with 429 → failed (not_sent), outcome not_sent, nothing to reconcile', async () => {
    h.sb.fault({ endpoint: 'initiate', kind: 'status', status: 429, headers: { 'retry-after': '1' } });
    const pushed = await h.service.initiate(OWNER, paymentBody(1));
    expect(pushed.outcome).toBe('not_sent');
    expect(pushed.payment).toMatchObject({
      status: 'failed',
      failureReason: 'not_sent',
      initiateOutcome: 'not_sent',
    });
    expect(pushed.payment.nextPollAt).toBeNull();
    expect(h.sb.getPayment(pushed.payment.orderReference)).toBeUndefined();
  });

  it('no token can be had (ClickPesa down before sending) → failed (not_sent), no push exists at ClickPesa', async () => {
    h.sb.expireTokens(); // the cached token is refused, and a new one cannot be had
    h.sb.fault({ endpoint: 'token', kind: 'status', status: 503, times: 10 });
    const pushed = await h.service.initiate(OWNER, paymentBody(2));
    h.sb.clearFaults();
    expect(pushed.outcome).toBe('not_sent');
    expect(pushed.payment).toMatchObject({ status: 'failed', failureReason: 'not_sent' });
    expect(h.sb.getPayment(pushed.payment.orderReference)).toBeUndefined();
    // the customer can try again: the retry route pushes a new attempt
    const retried = await h.service.retry(OWNER, pushed.payment.id);
    expect(retried.outcome).toBe('accepted');
    expect(retried.payment.attempts).toBe(2);
  });
});

describe('retry', () => {
  it('after a failure: a new reference, a new push, success, attempts 2; the old reference still finds it', async () => {
    const first = await h.service.initiate(OWNER, paymentBody(7));
    const oldReference = first.payment.orderReference;
    h.sb.reject(oldReference);
    staleCheck();
    expect((await h.service.refreshStatus(OWNER, first.payment.id)).payment.status).toBe('failed');

    const retried = await h.service.retry(OWNER, first.payment.id);
    expect(retried.outcome).toBe('accepted');
    expect(retried.payment.status).toBe('processing');
    expect(retried.payment.attempts).toBe(2);
    expect(retried.payment.orderReference).not.toBe(oldReference);
    expect(retried.payment.orderReferences).toEqual([oldReference, retried.payment.orderReference]);
    expect(retried.payment.failureReason).toBeNull();
    expect(h.calls('initiate')).toBe(2);
    expect(h.calls('query', oldReference)).toBe(2); // the status refresh, then the retry's confirmation

    h.sb.approve(retried.payment.orderReference);
    staleCheck();
    const done = await h.service.refreshStatus(OWNER, first.payment.id);
    expect(done.payment.status).toBe('success');
    expect(done.payment.transactionId).toBe(h.sb.getPayment(retried.payment.orderReference)!.id);
    expect((await h.store.getPaymentByOrderReference(oldReference))?.id).toBe(first.payment.id);
    const audit = await h.store.listAudit(first.payment.id);
    expect(audit.filter((entry) => entry.kind === 'retry')).toHaveLength(1);
  });

  it('is refused while the payment is processing, with no upstream call', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(7));
    const before = callsSince(h.sb);
    await expect(h.service.retry(OWNER, payment.id)).rejects.toMatchObject({ code: 'RETRY_NOT_ALLOWED' });
    expect(before('*')).toBe(0);
  });

  it('is refused while ClickPesa still shows the cancelled attempt as processing', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(7));
    await h.service.cancel(OWNER, payment.id);
    await expect(h.service.retry(OWNER, payment.id)).rejects.toMatchObject({ code: 'RETRY_NOT_ALLOWED' });
    expect(h.calls('initiate')).toBe(1);
    expect((await h.service.getPayment(OWNER, payment.id)).status).toBe('cancelled');
  });

  it('when the old attempt in fact succeeded: ALREADY_PAID and the payment becomes success', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(7));
    h.sb.setStatus(payment.orderReference, 'FAILED', 'Request timed out');
    staleCheck();
    expect((await h.service.refreshStatus(OWNER, payment.id)).payment.status).toBe('failed');
    h.sb.setStatus(payment.orderReference, 'SUCCESS', 'success');

    const error = await h.service.retry(OWNER, payment.id).catch((e: unknown) => e);
    expect(isClickPesaKitError(error, 'ALREADY_PAID')).toBe(true);
    const after = await h.service.getPayment(OWNER, payment.id);
    expect(after.status).toBe('success');
    expect(after.attempts).toBe(1);
    expect(h.calls('initiate')).toBe(1);
    expect(eventTypes(h.emitted, payment.id)).toContain('payment.late_success');
  });

  it('with an Idempotency-Key: a replay shows the current state and sends no second push', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(7));
    h.sb.reject(payment.orderReference);
    staleCheck();
    await h.service.refreshStatus(OWNER, payment.id);
    const first = await h.service.retry(OWNER, payment.id, { idempotencyKey: 'retry-1' });
    const again = await h.service.retry(OWNER, payment.id, { idempotencyKey: 'retry-1' });
    expect(again.replayed).toBe(true);
    expect(again.payment.orderReference).toBe(first.payment.orderReference);
    expect(h.calls('initiate')).toBe(2);
  });
});

describe('cancel', () => {
  it('cancels locally; a later provider success still wins (late_success)', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(7));
    const cancelled = await h.service.cancel(OWNER, payment.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.nextPollAt).not.toBeNull();
    await expect(h.service.cancel(OWNER, payment.id)).rejects.toMatchObject({ code: 'CANCEL_NOT_ALLOWED' });

    h.sb.approve(payment.orderReference);
    const reconciled = await h.reconcileNow(payment.id);
    expect(reconciled.status).toBe('success');
    const types = eventTypes(h.emitted, payment.id);
    expect(types).toContain('payment.cancelled');
    expect(types.filter((type) => type === 'payment.late_success')).toHaveLength(1);
    expect(types.filter((type) => type === 'payment.succeeded')).toHaveLength(1);
  });

  it('refuses final payments', async () => {
    const { payment } = await h.service.initiate(OWNER, paymentBody(9));
    await expect(h.service.cancel(OWNER, payment.id)).rejects.toMatchObject({ code: 'CANCEL_NOT_ALLOWED' });
  });
});
