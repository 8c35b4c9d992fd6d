import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index.js';
import { clickpesa, push, ref } from './helpers.js';

let sb: Sandbox;
let api: ReturnType<typeof clickpesa>;
let token: string;
beforeEach(async () => {
  sb = await startSandbox({ approveDelayMs: 60_000 });
  api = clickpesa(sb);
  token = await api.token();
});
afterEach(() => sb.close());

function rawInitiate(orderReference: string, signal?: AbortSignal) {
  return fetch(`${sb.url}/payments/initiate-ussd-push-request`, {
    method: 'POST',
    headers: { authorization: token, 'content-type': 'application/json' },
    body: JSON.stringify(push(orderReference, '255712345670')),
    signal,
  });
}

describe('status faults', () => {
  it('answers the status with a JSON body and headers, without processing the call', async () => {
    sb.fault({
      endpoint: 'initiate',
      kind: 'status',
      status: 503,
      body: { message: 'down' },
      headers: { 'retry-after': '20' },
    });
    const orderReference = ref();
    const response = await api.initiate(push(orderReference, '255712345670'));
    expect(response.status).toBe(503);
    expect(response.body).toEqual({ message: 'down' });
    expect(response.headers.get('retry-after')).toBe('20');
    expect(sb.getPayment(orderReference)).toBeUndefined();
    // One call only: the next one goes through.
    expect((await api.initiate(push(orderReference, '255712345670'))).status).toBe(200);
  });

  it('serves an HTML 500 page when the body is a string of HTML', async () => {
    sb.fault({
      endpoint: 'query',
      kind: 'status',
      status: 500,
      body: '<html><body>Internal error</body></html>',
    });
    const response = await api.query('ANY1');
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.text).toContain('Internal error');
  });

  it('defaults the body to the status text and can send 429 with Retry-After to the token endpoint', async () => {
    sb.fault({ endpoint: 'token', kind: 'status', status: 429, headers: { 'retry-after': '7' } });
    const response = await api.generateToken();
    expect(response).toMatchObject({ status: 429, body: { message: 'Too Many Requests' } });
    expect(response.headers.get('retry-after')).toBe('7');
  });

  it('honours times, skip, orderReference and the * endpoint', async () => {
    const target = ref();
    sb.fault({ endpoint: '*', kind: 'status', status: 502, times: 2, skip: 1, orderReference: target });
    expect((await api.query('OTHER1')).status).toBe(404); // another reference: untouched
    expect((await api.query(target)).status).toBe(404); // skipped
    expect((await api.query(target)).status).toBe(502);
    expect((await api.initiate(push(target, '255712345670'))).status).toBe(502);
    expect((await api.initiate(push(target, '255712345670'))).status).toBe(200);
  });

  it('can be cleared', async () => {
    sb.fault({ endpoint: 'list', kind: 'status', status: 500, times: 5 });
    sb.clearFaults();
    expect((await api.get('/payments/all')).status).toBe(200);
  });
});

describe('latency', () => {
  it('delays the answer but still processes the call (client timeout → payment exists)', async () => {
    sb.fault({ endpoint: 'initiate', kind: 'latency', ms: 400 });
    const orderReference = ref();
    await expect(rawInitiate(orderReference, AbortSignal.timeout(50))).rejects.toThrow();
    expect(sb.getPayment(orderReference)?.status).toBe('PROCESSING');
    expect(sb.requests.find((entry) => entry.endpoint === 'initiate')?.fault).toBe('latency');
  });

  it('answers normally once the delay is over', async () => {
    sb.fault({ endpoint: 'list', kind: 'latency', ms: 30 });
    expect((await api.get('/payments/all')).status).toBe(200);
  });
});

describe('connection reset', () => {
  it("'before': the connection dies and nothing is created", async () => {
    sb.fault({ endpoint: 'initiate', kind: 'reset' });
    const orderReference = ref();
    await expect(rawInitiate(orderReference)).rejects.toThrow();
    expect(sb.getPayment(orderReference)).toBeUndefined();
    expect(sb.requests.find((entry) => entry.endpoint === 'initiate')).toMatchObject({
      status: 0,
      fault: 'reset',
    });
  });

  it("'after': the connection dies but the payment IS created", async () => {
    sb.fault({ endpoint: 'initiate', kind: 'reset', when: 'after' });
    const orderReference = ref();
    await expect(rawInitiate(orderReference)).rejects.toThrow();
    expect(sb.getPayment(orderReference)?.status).toBe('PROCESSING');
    expect((await api.initiate(push(orderReference, '255712345670'))).status).toBe(409);
  });
});

describe('broken 200 bodies (after processing)', () => {
  it('malformed: 200 JSON content type, unparseable body, payment created', async () => {
    sb.fault({ endpoint: 'initiate', kind: 'malformed' });
    const orderReference = ref();
    const response = await rawInitiate(orderReference);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await response.text();
    expect(() => JSON.parse(text)).toThrow();
    expect(text).toContain(orderReference);
    expect(sb.getPayment(orderReference)).toBeDefined();
  });

  it('truncated: the body stops half way and the connection is cut', async () => {
    sb.fault({ endpoint: 'initiate', kind: 'truncated' });
    const orderReference = ref();
    await expect(rawInitiate(orderReference).then((response) => response.text())).rejects.toThrow();
    expect(sb.getPayment(orderReference)).toBeDefined();
  });

  it('empty: 200 with no body', async () => {
    sb.fault({ endpoint: 'query', kind: 'empty' });
    const response = await api.query('ANY1');
    expect(response.status).toBe(200);
    expect(response.text).toBe('');
  });

  it('html: 200 with an HTML error page', async () => {
    sb.fault({ endpoint: 'list', kind: 'html' });
    const response = await api.get('/payments/all');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.text).toMatch(/^<!DOCTYPE html>/);
  });
});

describe('POST /__sandbox/faults', () => {
  it('arms one fault or a list, and refuses a bad description', async () => {
    const arm = (body: unknown) =>
      fetch(`${sb.origin}/__sandbox/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await arm({ endpoint: 'query', kind: 'status', status: 503 })).status).toBe(201);
    expect(
      (
        await arm([
          { endpoint: 'list', kind: 'empty' },
          { endpoint: 'token', kind: 'reset' },
        ])
      ).status,
    ).toBe(201);
    const bad = await arm({ endpoint: 'nowhere', kind: 'status', status: 500 });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ message: 'endpoint must be token|preview|initiate|query|list|*' });
    expect((await arm({ endpoint: 'query', kind: 'latency' })).status).toBe(400);

    expect((await api.query('X1')).status).toBe(503);
    expect((await api.get('/payments/all')).text).toBe('');
    await expect(api.generateToken()).rejects.toThrow();
  });
});
