import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, type SandboxPayment, startSandbox } from '../src/index.js';
import { clickpesa, push, ref, startReceiver } from './helpers.js';

let sb: Sandbox;
let api: ReturnType<typeof clickpesa>;
beforeEach(async () => {
  sb = await startSandbox({ approveDelayMs: 60_000, apiKey: 'secret-api-key' });
  api = clickpesa(sb);
});
afterEach(() => sb.close());

function control(path: string, init: { method?: string; body?: unknown } = {}) {
  return fetch(`${sb.origin}/__sandbox${path}`, {
    method: init.method ?? 'GET',
    headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

describe('control API', () => {
  it('lists payments and approves, rejects and sets status by order reference', async () => {
    const [a, b, c] = [ref(), ref(), ref()];
    for (const orderReference of [a, b, c]) await api.initiate(push(orderReference, '255712345677'));
    const listed = (await (await control('/payments')).json()) as SandboxPayment[];
    expect(listed.map((payment) => [payment.orderReference, payment.status])).toEqual([
      [a, 'PROCESSING'],
      [b, 'PROCESSING'],
      [c, 'PROCESSING'],
    ]);

    const approved = await control(`/payments/${a}/approve`, { method: 'POST' });
    expect(approved.status).toBe(200);
    expect(await approved.json()).toMatchObject({ orderReference: a, status: 'SUCCESS' });
    await control(`/payments/${b}/reject`, { method: 'POST', body: { message: 'Wrong PIN' } });
    await control(`/payments/${c}/status`, { method: 'POST', body: { status: 'SETTLED' } });
    expect(sb.getPayment(a)?.status).toBe('SUCCESS');
    expect(sb.getPayment(b)).toMatchObject({ status: 'FAILED', message: 'Wrong PIN' });
    expect(sb.getPayment(c)?.status).toBe('SETTLED');
  });

  it('answers 404 for an unknown reference, 409 for an answered push, 400 without a status', async () => {
    const orderReference = ref();
    await api.initiate(push(orderReference, '255712345677'));
    expect((await control('/payments/NOPE1/approve', { method: 'POST' })).status).toBe(404);
    expect((await control(`/payments/${orderReference}/approve`, { method: 'POST' })).status).toBe(200);
    const again = await control(`/payments/${orderReference}/reject`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({
      message: `Payment ${orderReference} is SUCCESS, not awaiting the customer`,
    });
    expect((await control(`/payments/${orderReference}/status`, { method: 'POST', body: {} })).status).toBe(
      400,
    );
  });

  it('sends a webhook on demand and reports the receiver status', async () => {
    const receiver = await startReceiver([202]);
    try {
      sb.configure({ webhookUrl: receiver.url });
      const orderReference = ref();
      await api.initiate(push(orderReference, '255712345677'));
      sb.approve(orderReference);
      await sb.webhooksIdle();
      const response = await control(`/payments/${orderReference}/webhook`, {
        method: 'POST',
        body: { event: 'PAYMENT RECEIVED' },
      });
      expect(await response.json()).toEqual({ status: 202 });
      expect(receiver.received).toHaveLength(2);
      expect((await (await control('/webhooks')).json()) as unknown[]).toHaveLength(2);
    } finally {
      await receiver.close();
    }
  });

  it('resets payments, faults, tokens and logs', async () => {
    const orderReference = ref();
    await api.initiate(push(orderReference, '255712345677'));
    sb.fault({ endpoint: 'query', kind: 'status', status: 500 });
    const token = await api.token();
    expect((await control('/reset', { method: 'POST' })).status).toBe(200);
    expect(sb.getPayment(orderReference)).toBeUndefined();
    expect(sb.requests).toHaveLength(0);
    expect((await api.get('/payments/all', token)).status).toBe(401);
    api.forgetToken();
    expect((await api.query(orderReference)).status).toBe(404); // the fault was cleared too
  });

  it('expires tokens and clears faults over HTTP', async () => {
    const token = await api.token();
    await control('/tokens/expire', { method: 'POST' });
    expect((await api.get('/payments/all', token)).status).toBe(401);
    sb.fault({ endpoint: 'token', kind: 'status', status: 500 });
    await control('/faults', { method: 'DELETE' });
    expect((await api.generateToken()).status).toBe(200);
  });

  it('answers unknown paths with a NestJS-style 404 and bad control JSON with 400', async () => {
    expect(await (await fetch(`${sb.origin}/nowhere`)).json()).toEqual({
      message: 'Cannot GET /nowhere',
      error: 'Not Found',
      statusCode: 404,
    });
    expect((await fetch(`${sb.url}/generate-token`)).status).toBe(404); // GET, not POST
    const bad = await fetch(`${sb.origin}/__sandbox/faults`, { method: 'POST', body: '{oops' });
    expect(bad.status).toBe(400);
  });
});

describe('request log', () => {
  it('records method, path, class, order reference and status, and counts', async () => {
    const orderReference = ref();
    await api.token();
    await api.initiate(push(orderReference, '255712345677'));
    await api.initiate(push(orderReference, '255712345677'));
    await api.query(orderReference);
    await api.get(`/payments/all?orderReference=${orderReference}`);
    await control(`/payments/${orderReference}/approve`, { method: 'POST' });

    expect(sb.count('token')).toBe(1);
    expect(sb.count('initiate')).toBe(2);
    expect(sb.count('initiate', orderReference)).toBe(2);
    expect(sb.count('query', orderReference)).toBe(1);
    expect(sb.count('list', orderReference)).toBe(1);
    expect(sb.count('control', orderReference)).toBe(1);
    expect(sb.count('*', orderReference)).toBe(5);
    expect(sb.requests.filter((entry) => entry.endpoint === 'initiate').map((entry) => entry.status)).toEqual(
      [200, 409],
    );
    const initiate = sb.requests.find((entry) => entry.endpoint === 'initiate');
    expect(initiate).toMatchObject({
      method: 'POST',
      path: '/third-parties/payments/initiate-ussd-push-request',
      orderReference,
      body: { orderReference, amount: '1000' },
    });
    expect(typeof initiate?.at).toBe('number');
  });

  it('never holds the api key or the token', async () => {
    await api.token();
    await api.query('X1');
    const serialised = JSON.stringify(sb.requests);
    expect(serialised).not.toContain('secret-api-key');
    expect(serialised).not.toContain((await api.token()).slice(7));
    expect(sb.requests[0]?.headers['api-key']).toBe('[redacted]');
    expect(sb.requests[1]?.headers.authorization).toBe('[redacted]');
    const overHttp = await (await control('/requests?endpoint=query')).json();
    expect(overHttp).toHaveLength(1);
    expect(JSON.stringify(overHttp)).not.toContain('secret-api-key');
  });

  it('tells the onRequest observer about each answered request', async () => {
    const seen: string[] = [];
    const observed = await startSandbox({
      onRequest: (entry) => seen.push(`${entry.endpoint} ${entry.status}`),
    });
    try {
      await clickpesa(observed).generateToken({ 'client-id': 'x', 'api-key': 'y' });
      expect(seen).toEqual(['token 403']);
    } finally {
      await observed.close();
    }
  });
});

describe('phone page', () => {
  it('shows a pending USSD prompt with labelled Approve / Reject buttons', async () => {
    const orderReference = ref();
    await api.initiate(push(orderReference, '255712345677', '1000'));
    const response = await fetch(`${sb.origin}/__sandbox/`);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('Pay TZS 1,000 to Sandbox Merchant? Enter PIN');
    expect(html).toContain(`aria-label="Approve payment ${orderReference}"`);
    expect(html).toContain(`aria-label="Reject payment ${orderReference}"`);
    expect(html).toContain('setInterval(refresh, 1000)');
    expect(sb.count('page')).toBe(1);
  });

  it('drops the prompt from the refreshed fragment once answered', async () => {
    const orderReference = ref();
    await api.initiate(push(orderReference, '255712345677', '250000.50'));
    expect(await (await control('/prompts')).text()).toContain('Pay TZS 250,000.50 to Sandbox Merchant?');
    await control(`/payments/${orderReference}/approve`, { method: 'POST' });
    const fragment = await (await control('/prompts')).text();
    expect(fragment).not.toContain('Enter PIN');
    expect(fragment).toContain('status-success');
  });

  it('ships inline JS that parses', async () => {
    const html = await (await control('/')).text();
    const script = /<script>([\s\S]*)<\/script>/.exec(html)?.[1] ?? '';
    expect(script).toContain('fetch(');
    expect(() => new Function(script)).not.toThrow();
  });

  it('escapes what it renders', async () => {
    sb.configure({ merchantName: '<script>alert(1)</script>' });
    await api.initiate(push(ref(), '255712345677'));
    const html = await (await control('/')).text();
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
