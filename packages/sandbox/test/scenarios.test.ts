import { afterEach, describe, expect, it } from 'vitest';
import { computeChecksum } from '../src/checksum.js';
import { type Sandbox, startSandbox } from '../src/index.js';
import { clickpesa, push, ref, settled, startReceiver } from './helpers.js';

const KEY = 'whsec-checksum-key';
let sb: Sandbox;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

async function start(options: Parameters<typeof startSandbox>[0] = {}) {
  receiver = await startReceiver();
  sb = await startSandbox({ approveDelayMs: 20, checksumKey: KEY, webhookUrl: receiver.url, ...options });
  return clickpesa(sb);
}

async function initiate(api: ReturnType<typeof clickpesa>, phoneNumber: string) {
  const orderReference = ref();
  const body = push(orderReference, phoneNumber);
  const response = await api.initiate({ ...body, checksum: computeChecksum(KEY, body) });
  expect(response.status).toBe(200);
  return orderReference;
}

/** The body minus its checksum fields must hash to the checksum it carries. */
function expectSigned(body: Record<string, unknown>) {
  const { checksum, checksumMethod, ...rest } = body;
  expect(checksumMethod).toBe('canonical');
  expect(checksum).toBe(computeChecksum(KEY, rest));
}

afterEach(async () => {
  await sb?.close();
  await receiver?.close();
});

describe('scenario by the last digit of the phone number', () => {
  it.each(['0', '1', '2', '3', '4'])(
    '%s: approves after the delay and sends a signed PAYMENT RECEIVED',
    async (digit) => {
      const api = await start();
      const orderReference = await initiate(api, `25571234567${digit}`);
      await receiver.waitFor(1);
      const [webhook] = receiver.received;
      expect(webhook?.headers['content-type']).toBe('application/json');
      expect(webhook?.body).toMatchObject({
        event: 'PAYMENT RECEIVED',
        data: {
          status: 'SUCCESS',
          orderReference,
          collectedAmount: '1000',
          collectedCurrency: 'TZS',
          channel: 'TIGO-PESA',
          message: 'success',
          customer: { customerName: 'Sandbox Customer', customerPhoneNumber: `25571234567${digit}` },
        },
      });
      expectSigned(webhook?.body ?? {});
      const query = await api.query(orderReference);
      expect(query.body).toMatchObject([{ status: 'SUCCESS', collectedAmount: 1000 }]);
    },
  );

  it('5: rejects with "Payment rejected by customer" and sends PAYMENT FAILED under eventType', async () => {
    const api = await start();
    const orderReference = await initiate(api, '255712345675');
    await receiver.waitFor(1);
    const body = receiver.received[0]?.body ?? {};
    expect(body.event).toBeUndefined();
    expect(body).toMatchObject({
      eventType: 'PAYMENT FAILED',
      data: { status: 'FAILED', orderReference, message: 'Payment rejected by customer' },
    });
    expectSigned(body);
    expect(sb.getPayment(orderReference)).toMatchObject({
      status: 'FAILED',
      message: 'Payment rejected by customer',
    });
  });

  it('6: fails with "Insufficient balance"', async () => {
    const api = await start();
    const orderReference = await initiate(api, '255712345676');
    await receiver.waitFor(1);
    expect(receiver.received[0]?.body).toMatchObject({
      eventType: 'PAYMENT FAILED',
      data: { status: 'FAILED', message: 'Insufficient balance' },
    });
    expect((await api.query(orderReference)).body).toMatchObject([
      { status: 'FAILED', message: 'Insufficient balance' },
    ]);
  });

  it('7: stays PROCESSING until approved by hand, which sends the webhook', async () => {
    const api = await start({ approveDelayMs: 0 });
    const orderReference = await initiate(api, '255712345677');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sb.getPayment(orderReference)?.status).toBe('PROCESSING');
    expect(receiver.received).toHaveLength(0);
    const approved = sb.approve(orderReference);
    expect(approved.status).toBe('SUCCESS');
    expect(approved.paymentReference).toMatch(/^SBX/);
    await receiver.waitFor(1);
    expect(receiver.received[0]?.body).toMatchObject({ event: 'PAYMENT RECEIVED', data: { orderReference } });
  });

  it('7: can be rejected by hand with a custom message', async () => {
    const api = await start();
    const orderReference = await initiate(api, '255712345677');
    sb.reject(orderReference, 'Request timed out');
    await receiver.waitFor(1);
    expect(receiver.received[0]?.body).toMatchObject({
      eventType: 'PAYMENT FAILED',
      data: { message: 'Request timed out' },
    });
    expect(() => sb.approve(orderReference)).toThrow(/FAILED, not awaiting the customer/);
  });

  it('8: approves but sends no webhook (only polling finds it)', async () => {
    const api = await start();
    const orderReference = await initiate(api, '255712345678');
    expect(await settled(sb, orderReference)).toBe('SUCCESS');
    await sb.webhooksIdle();
    expect(receiver.received).toHaveLength(0);
    expect(sb.webhooks).toHaveLength(0);
    expect((await api.query(orderReference)).body).toMatchObject([{ status: 'SUCCESS' }]);
  });

  it('9: is refused by initiate with 400', async () => {
    const api = await start();
    const body = push(ref(), '255712345679');
    const response = await api.initiate({ ...body, checksum: computeChecksum(KEY, body) });
    expect(response).toMatchObject({ status: 400, body: { message: 'Invalid / unsupported phone number' } });
  });

  it('sends unsigned webhooks when no checksum key is set', async () => {
    receiver = await startReceiver();
    sb = await startSandbox({ approveDelayMs: 0, webhookUrl: receiver.url });
    const orderReference = ref();
    await clickpesa(sb).initiate(push(orderReference, '255712345670'));
    await receiver.waitFor(1);
    expect(receiver.received[0]?.body.checksum).toBeUndefined();
    expect(receiver.received[0]?.body).toMatchObject({ event: 'PAYMENT RECEIVED', data: { orderReference } });
  });
});

describe('setStatus and the injected clock', () => {
  it('forces any status without a webhook and ends the scenario', async () => {
    let now = Date.parse('2026-03-01T10:00:00Z');
    const api = await start({ approveDelayMs: 1_000, now: () => now });
    const orderReference = await initiate(api, '255712345670');
    sb.setStatus(orderReference, 'ON-HOLD', 'Held for review');
    now += 1_000; // the customer's answer would be due now
    expect((await api.query(orderReference)).body).toMatchObject([
      { status: 'ON-HOLD', message: 'Held for review' },
    ]);
    sb.setStatus(orderReference, 'WEIRD');
    expect((await api.query(orderReference)).body).toMatchObject([{ status: 'WEIRD' }]);
    expect(sb.getPayment(orderReference)?.history.map((change) => change.status)).toEqual([
      'PROCESSING',
      'ON-HOLD',
      'WEIRD',
    ]);
    await sb.webhooksIdle();
    expect(receiver.received).toHaveLength(0);
  });

  it('answers when the injected clock says so, and stamps times from it', async () => {
    let now = Date.parse('2026-03-01T10:00:00Z');
    const api = await start({ approveDelayMs: 5_000, now: () => now });
    const orderReference = await initiate(api, '255712345670');
    expect((await api.query(orderReference)).body).toMatchObject([
      { status: 'PROCESSING', createdAt: '2026-03-01T10:00:00.000Z' },
    ]);
    now += 5_000;
    expect((await api.query(orderReference)).body).toMatchObject([
      { status: 'SUCCESS', updatedAt: '2026-03-01T10:00:05.000Z' },
    ]);
    await receiver.waitFor(1);
    expect(receiver.received).toHaveLength(1);
  });
});
