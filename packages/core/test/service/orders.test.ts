import { describe, expect, it } from 'vitest';
import { OTHER_OWNER, OWNER, paymentBody, useHarness } from './harness.js';

const h = useHarness();
let orderCounter = 0;
const newOrder = () => `order-${process.pid}-${++orderCounter}`;

describe('a cancelled payment keeps its phone locked while its prompt may be live (SM-14)', () => {
  it('create → cancel → create to the same phone: 409 PUSH_IN_PROGRESS; once ClickPesa reports the attempt failed, a new push goes out', async () => {
    const body = paymentBody(7); // 7: the sandbox customer waits, the prompt stays live
    const first = await h.service.initiate(OWNER, body);
    const cancelled = await h.service.cancel(OWNER, first.payment.id);
    expect(cancelled.status).toBe('cancelled');
    const pushesBefore = h.calls('initiate');
    await expect(h.service.initiate(OWNER, body)).rejects.toMatchObject({ code: 'PUSH_IN_PROGRESS' });
    expect(h.calls('initiate')).toBe(pushesBefore);

    // ClickPesa reports the first attempt final; the poller's next check sees it and stops reconciling
    h.sb.reject(first.payment.orderReference);
    const reconciled = await h.reconcileNow(first.payment.id);
    expect(reconciled.status).toBe('cancelled');
    expect(reconciled.nextPollAt).toBeNull();
    const second = await h.service.initiate(OWNER, body);
    expect(second.payment.id).not.toBe(first.payment.id);
    expect(h.calls('initiate')).toBe(pushesBefore + 1);
  });

  it('create-then-cancel 20 times on one phone sends one prompt, not 20', async () => {
    const body = paymentBody(7);
    const pushes = h.calls('initiate');
    let refused = 0;
    for (let i = 0; i < 20; i++) {
      try {
        const made = await h.service.initiate(OWNER, body);
        await h.service.cancel(OWNER, made.payment.id);
      } catch (error) {
        expect(error).toMatchObject({ code: 'PUSH_IN_PROGRESS' });
        refused += 1;
      }
    }
    expect(h.calls('initiate') - pushes).toBe(1);
    expect(refused).toBe(19);
  });

  it('the hold ends with the attempt window even when ClickPesa never answers', async () => {
    const body = paymentBody(7);
    const first = await h.service.initiate(OWNER, body);
    await h.service.cancel(OWNER, first.payment.id);
    await expect(h.service.initiate(OWNER, body)).rejects.toMatchObject({ code: 'PUSH_IN_PROGRESS' });
    h.clock.advance(90_001);
    const second = await h.service.initiate(OWNER, body);
    expect(second.payment.status).not.toBe('failed');
  });
});

describe('one active payment per order, and the attempt cap (ORD-2, ORD-3)', () => {
  it('a second POST for an order with a live payment answers ORDER_HAS_ACTIVE_PAYMENT with that payment; allowed after it failed', async () => {
    const order = newOrder();
    const first = await h.service.initiate(OWNER, paymentBody(7, { external_order_id: order }));
    const refused = await h.service
      .initiate(OWNER, paymentBody(7, { external_order_id: order }))
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'ORDER_HAS_ACTIVE_PAYMENT', httpStatus: 409 });
    expect((refused as { activePayment: { id: string } }).activePayment.id).toBe(first.payment.id);
    // another owner's order of the same id is its own
    await h.service.initiate(OTHER_OWNER, paymentBody(7, { external_order_id: order }));

    h.sb.reject(first.payment.orderReference);
    const failed = await h.reconcileNow(first.payment.id);
    expect(failed.status).toBe('failed');
    const second = await h.service.initiate(OWNER, paymentBody(7, { external_order_id: order }));
    expect(second.payment.externalOrderId).toBe(order);
    const page = await h.service.listPayments(OWNER, { external_order_id: order });
    expect(page.payments.map((payment) => payment.id)).toEqual([second.payment.id, first.payment.id]);
  });

  it('a retry of a failed payment while another payment holds its order: 409 with that payment, no push', async () => {
    const order = newOrder();
    const first = await h.service.initiate(OWNER, paymentBody(7, { external_order_id: order }));
    h.sb.reject(first.payment.orderReference);
    expect((await h.reconcileNow(first.payment.id)).status).toBe('failed');
    const second = await h.service.initiate(OWNER, paymentBody(7, { external_order_id: order }));

    const pushes = h.calls('initiate');
    const refused = await h.service.retry(OWNER, first.payment.id).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'ORDER_HAS_ACTIVE_PAYMENT' });
    expect((refused as { activePayment: { id: string } }).activePayment.id).toBe(second.payment.id);
    expect(h.calls('initiate')).toBe(pushes);
    const unchanged = await h.service.getPayment(OWNER, first.payment.id);
    expect(unchanged.status).toBe('failed');
    expect(unchanged.attempts).toBe(1);
  });

  it('a late success of a cancelled payment while a newer payment holds the order is recorded, flagged order_paid_twice; the newer one is untouched (ORD-4)', async () => {
    const order = newOrder();
    const first = await h.service.initiate(OWNER, paymentBody(7, { external_order_id: order }));
    await h.service.cancel(OWNER, first.payment.id);
    const second = await h.service.initiate(OWNER, paymentBody(7, { external_order_id: order }));
    expect(second.payment.status).toBe('processing');
    const secondBefore = await h.store.getPayment(second.payment.id);

    // the customer approves the prompt we had given up on: the money moved
    h.sb.approve(first.payment.orderReference);
    const late = await h.reconcileNow(first.payment.id);
    expect(late.status).toBe('success');
    expect(late.needsAttention).toBe(true);
    const typesOfFirst = h.emitted
      .filter((event) => event.paymentId === first.payment.id)
      .map((event) => event.type);
    expect(typesOfFirst).toEqual(expect.arrayContaining(['payment.late_success', 'payment.needs_attention']));
    // the order is fulfilled through the other payment: no second "succeeded" to fulfil on
    expect(typesOfFirst).not.toContain('payment.succeeded');
    const audit = await h.store.listAudit(first.payment.id);
    expect(audit.some((entry) => entry.data.attentionReason === 'order_paid_twice')).toBe(true);
    expect(await h.store.getPayment(second.payment.id)).toEqual(secondBefore);

    // creating for the order is still refused, naming the payment that holds it
    const pushes = h.calls('initiate');
    const refused = await h.service
      .initiate(OWNER, paymentBody(7, { external_order_id: order }))
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'ORDER_HAS_ACTIVE_PAYMENT', httpStatus: 409 });
    expect(h.calls('initiate')).toBe(pushes);
  });

  it('both attempts of an order paid: both are recorded as success, the late one flagged, nobody loses track of the money (ORD-4)', async () => {
    const order = newOrder();
    const first = await h.service.initiate(OWNER, paymentBody(7, { external_order_id: order }));
    await h.service.cancel(OWNER, first.payment.id);
    const second = await h.service.initiate(OWNER, paymentBody(7, { external_order_id: order }));
    h.sb.approve(second.payment.orderReference);
    const paid = await h.reconcileNow(second.payment.id);
    expect(paid).toMatchObject({ status: 'success', needsAttention: false });

    h.sb.approve(first.payment.orderReference);
    const late = await h.reconcileNow(first.payment.id);
    expect(late).toMatchObject({ status: 'success', needsAttention: true });
    const succeeded = await h.service.listPayments(OWNER, { external_order_id: order, status: 'success' });
    expect(succeeded.payments.map((payment) => payment.id).sort()).toEqual(
      [first.payment.id, second.payment.id].sort(),
    );
    expect(
      h.emitted.filter(
        (event) => event.type === 'payment.needs_attention' && event.paymentId === first.payment.id,
      ),
    ).toHaveLength(1);
  });

  it('past maxAttemptsPerOrder payments for an order: ORDER_ATTEMPTS_EXHAUSTED, no push', async () => {
    const service = h.serviceWith({ maxAttemptsPerOrder: 2 });
    const order = newOrder();
    for (let i = 0; i < 2; i++) {
      const made = await service.initiate(OWNER, paymentBody(7, { external_order_id: order }));
      h.sb.reject(made.payment.orderReference);
      expect((await h.reconcileNow(made.payment.id)).status).toBe('failed');
    }
    const pushes = h.calls('initiate');
    await expect(service.initiate(OWNER, paymentBody(7, { external_order_id: order }))).rejects.toMatchObject(
      { code: 'ORDER_ATTEMPTS_EXHAUSTED', httpStatus: 409 },
    );
    expect(h.calls('initiate')).toBe(pushes);
  });
});

describe('listPayments (ORD-1)', () => {
  it('pages with an opaque cursor and names bad query parameters', async () => {
    const order = newOrder();
    const page = await h.service.listPayments(OWNER, { limit: '1' });
    expect(page.payments).toHaveLength(1);
    expect(page.nextCursor).toEqual(expect.any(String));
    const next = await h.service.listPayments(OWNER, { limit: '1', cursor: page.nextCursor });
    expect(next.payments[0]!.id).not.toBe(page.payments[0]!.id);
    expect((await h.service.listPayments(OWNER, { external_order_id: order })).payments).toEqual([]);
    const error = await h.service
      .listPayments(OWNER, { limit: '500', status: 'paid', cursor: 'nope!', sort: 'x' })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'VALIDATION_ERROR' });
    const fields = (error as { details: { field: string }[] }).details.map((detail) => detail.field).sort();
    expect(fields).toEqual(['cursor', 'limit', 'sort', 'status']);
  });
});
