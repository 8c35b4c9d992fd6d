import { afterEach, describe, expect, it } from 'vitest';
import { computeChecksum } from '../src/checksum.js';
import { type Sandbox, startSandbox } from '../src/index.js';
import { clickpesa, push, ref, startReceiver } from './helpers.js';

let sb: Sandbox;
let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
afterEach(async () => {
  await sb?.close();
  await receiver?.close();
  receiver = undefined;
});

describe('webhook delivery', () => {
  it('retries a receiver that answers non-2xx, then stops at the first 2xx', async () => {
    receiver = await startReceiver([500, 503, 200]);
    sb = await startSandbox({ approveDelayMs: 0, webhookUrl: receiver.url, webhookRetryDelaysMs: [5, 5, 5] });
    const orderReference = ref();
    await clickpesa(sb).initiate(push(orderReference, '255712345670'));
    await receiver.waitFor(3);
    await sb.webhooksIdle();
    expect(receiver.received).toHaveLength(3);
    expect(sb.webhooks.map(({ attempt, status }) => [attempt, status])).toEqual([
      [1, 500],
      [2, 503],
      [3, 200],
    ]);
    // Every retry carries the same body.
    expect(new Set(receiver.received.map((webhook) => webhook.raw)).size).toBe(1);
  });

  it('gives up after the configured retries when the receiver keeps failing', async () => {
    receiver = await startReceiver([502]);
    sb = await startSandbox({ approveDelayMs: 0, webhookUrl: receiver.url, webhookRetryDelaysMs: [1, 1, 1] });
    await clickpesa(sb).initiate(push(ref(), '255712345675'));
    await receiver.waitFor(1);
    await sb.webhooksIdle();
    expect(receiver.received).toHaveLength(4);
    expect(sb.webhooks.every((delivery) => delivery.status === 502)).toBe(true);
  });

  it('retries when the receiver is down and records status 0', async () => {
    const down = await startReceiver();
    const url = down.url;
    await down.close();
    sb = await startSandbox({ approveDelayMs: 0, webhookUrl: url, webhookRetryDelaysMs: [1, 1] });
    await clickpesa(sb).initiate(push(ref(), '255712345670'));
    await expect.poll(() => sb.webhooks.length).toBe(3);
    await sb.webhooksIdle();
    expect(sb.webhooks.map((delivery) => delivery.status)).toEqual([0, 0, 0]);
    expect(sb.webhooks[0]?.error).toBe('ECONNREFUSED');
  });

  it('sends no webhook without a webhookUrl', async () => {
    sb = await startSandbox({ approveDelayMs: 0 });
    const orderReference = ref();
    await clickpesa(sb).initiate(push(orderReference, '255712345670'));
    await expect.poll(() => sb.getPayment(orderReference)?.status).toBe('SUCCESS');
    await sb.webhooksIdle();
    expect(sb.webhooks).toHaveLength(0);
  });

  it('points at a new receiver after configure({ webhookUrl })', async () => {
    receiver = await startReceiver();
    sb = await startSandbox({ approveDelayMs: 0 });
    sb.configure({ webhookUrl: receiver.url });
    await clickpesa(sb).initiate(push(ref(), '255712345670'));
    await receiver.waitFor(1);
    expect(receiver.received).toHaveLength(1);
  });
});

describe('sb.sendWebhook', () => {
  const KEY = 'checksum-key';

  async function pendingPayment() {
    receiver = await startReceiver([200, 401]);
    sb = await startSandbox({ approveDelayMs: 0, checksumKey: KEY, webhookUrl: receiver.url });
    const orderReference = ref();
    const body = push(orderReference, '255712345677');
    await clickpesa(sb).initiate({ ...body, checksum: computeChecksum(KEY, body) });
    return orderReference;
  }

  it('sends any event on demand and returns the receiver status', async () => {
    const orderReference = await pendingPayment();
    expect(await sb.sendWebhook(orderReference, { event: 'PAYMENT RECEIVED' })).toBe(200);
    expect(await sb.sendWebhook(orderReference)).toBe(401);
    expect(receiver?.received[0]?.body).toMatchObject({
      event: 'PAYMENT RECEIVED',
      data: { status: 'PROCESSING' },
    });
    // A PROCESSING payment defaults to PAYMENT FAILED's shape.
    expect(receiver?.received[1]?.body.eventType).toBe('PAYMENT FAILED');
  });

  it('can send unsigned, legacy-signed and tampered bodies', async () => {
    const orderReference = await pendingPayment();
    await sb.sendWebhook(orderReference, { signed: false });
    await sb.sendWebhook(orderReference, { checksumMethod: 'legacy' });
    await sb.sendWebhook(orderReference, {
      mutate: (body) => ({ ...body, data: { ...(body.data as object), status: 'SUCCESS' } }),
    });
    const [unsigned, legacy, tampered] = receiver?.received.map((webhook) => webhook.body) ?? [];
    expect(unsigned?.checksum).toBeUndefined();
    const { checksum, checksumMethod, ...rest } = legacy ?? {};
    expect(checksumMethod).toBe('legacy');
    expect(checksum).toBe(computeChecksum(KEY, rest, 'legacy'));
    const { checksum: tamperedChecksum, checksumMethod: _m, ...tamperedRest } = tampered ?? {};
    expect(tamperedChecksum).not.toBe(computeChecksum(KEY, tamperedRest));
  });

  it('rejects an unknown order reference', async () => {
    sb = await startSandbox();
    await expect(sb.sendWebhook('NOPE')).rejects.toThrow(/No sandbox payment/);
  });
});
