import { afterEach, describe, expect, it, vi } from 'vitest';
import { isClickPesaKitError } from '../../src/errors.js';
import { type Harness, nextReference, push, startHarness, waitForSandboxStatus } from './sandbox-harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function withPayment(options: Parameters<typeof startHarness>[0] = {}) {
  harness = await startHarness(options);
  const client = harness.client();
  const reference = nextReference();
  expect((await client.initiateUssdPush(push(reference, '255712345677'))).kind).toBe('accepted');
  return { h: harness, client, reference };
}

function queryStatuses(h: Harness): number[] {
  return h.sb.requests.filter((r) => r.endpoint === 'query').map((r) => r.status);
}

describe('queryPayment', () => {
  it.each(['404', 'empty-array'] as const)(
    'unknown reference (%s mode) → not_found',
    async (notFoundMode) => {
      harness = await startHarness({ notFoundMode });
      expect(await harness.client().queryPayment(nextReference())).toEqual({ kind: 'not_found' });
      expect(harness.sb.count('query')).toBe(1);
    },
  );

  it('returns the raw body beside the normalised records (collectedAmount number → string)', async () => {
    const { client, reference } = await withPayment();
    const result = await client.queryPayment(reference);
    expect(result.kind).toBe('found');
    if (result.kind !== 'found') return;
    expect(result.payments[0]).toMatchObject({
      status: 'PROCESSING',
      collectedAmount: '1000',
      paymentPhoneNumber: '255712345677',
    });
    expect((result.raw as { collectedAmount: unknown }[])[0]?.collectedAmount).toBe(1000);
    expect(result.payments[0]).not.toHaveProperty('customer');
  });

  it('F-BODY-2: schema drift in a 200 (lower-case status, string amount, missing fields, extras) is read leniently', async () => {
    const { h, client, reference } = await withPayment();
    h.sb.fault({
      endpoint: 'query',
      kind: 'status',
      status: 200,
      body: {
        status: 'success',
        orderReference: reference,
        collectedAmount: '1000.00',
        surprise: { nested: true },
      },
    });
    expect(await client.queryPayment(reference)).toMatchObject({
      kind: 'found',
      payments: [{ id: null, status: 'SUCCESS', orderReference: reference, collectedAmount: '1000.00' }],
    });
  });

  it('keeps unknown statuses raw (ON-HOLD, WEIRD)', async () => {
    const { h, client, reference } = await withPayment();
    h.sb.setStatus(reference, 'WEIRD');
    expect(await client.queryPayment(reference)).toMatchObject({ payments: [{ status: 'WEIRD' }] });
    h.sb.setStatus(reference, 'ON-HOLD');
    expect(await client.queryPayment(reference)).toMatchObject({ payments: [{ status: 'ON-HOLD' }] });
  });

  it.each(['malformed', 'truncated', 'html', 'empty'] as const)(
    'F-BODY-1: a %s 200 is retried; a good answer after it wins',
    async (kind) => {
      const { h, client, reference } = await withPayment();
      h.sb.fault({ endpoint: 'query', kind });
      const result = await client.queryPayment(reference);
      expect(result.kind).toBe('found');
      expect(h.sb.count('query', reference)).toBe(2);
      expect(h.capture.sleeps).toHaveLength(1);
      expect(h.capture.gate.reports.filter((r) => r.endpoint === 'query').map((r) => r.outcome.kind)).toEqual(
        kind === 'truncated' ? [expect.stringMatching(/failure/), 'ok'] : ['failure', 'ok'],
      );
    },
  );

  it('F-BODY-1: persistently unreadable bodies → retryable PROVIDER_BAD_RESPONSE after maxRetries', async () => {
    const { h, client, reference } = await withPayment();
    h.sb.fault({ endpoint: 'query', kind: 'html', times: 3 });
    const error = await client.queryPayment(reference).catch((e: unknown) => e);
    expect(isClickPesaKitError(error, 'PROVIDER_BAD_RESPONSE')).toBe(true);
    expect(h.sb.count('query', reference)).toBe(3);
    // the HTML page never travels: not in the error, not in the events
    expect(String((error as Error).message)).not.toMatch(/cloudflare|<html/i);
    const lastResponse = h.capture.responses.at(-1);
    expect(lastResponse?.response).toMatchObject({
      unreadable: true,
      contentType: 'text/html; charset=utf-8',
    });
  });

  it('5xx is retried with full-jitter backoff (maxRetries 2 → 3 calls), then PROVIDER_UNAVAILABLE', async () => {
    const { h, client, reference } = await withPayment();
    h.sb.fault({ endpoint: 'query', kind: 'status', status: 502, times: 5 });
    const error = await client.queryPayment(reference).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', providerStatus: 502 });
    expect(queryStatuses(h)).toEqual([502, 502, 502]);
    expect(h.capture.sleeps).toEqual([250, 500]);
  });

  it('maxRetries 0 makes exactly one call', async () => {
    harness = await startHarness();
    harness.sb.fault({ endpoint: 'query', kind: 'status', status: 503, times: 5 });
    await expect(harness.client({ maxRetries: 0 }).queryPayment(nextReference())).rejects.toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
    });
    expect(harness.sb.count('query')).toBe(1);
  });

  it('F-NET-1 on a query: a reset before processing is retried', async () => {
    const { h, client, reference } = await withPayment();
    h.sb.fault({ endpoint: 'query', kind: 'reset', when: 'before' });
    expect((await client.queryPayment(reference)).kind).toBe('found');
    expect(h.capture.responses.filter((r) => r.endpoint === 'query').map((r) => r.status)).toEqual([
      null,
      200,
    ]);
  });

  it('F-LAT-3: a query slower than its timeout is retried, then PROVIDER_TIMEOUT', async () => {
    harness = await startHarness();
    const client = harness.client({ timeouts: { queryMs: 80 }, maxRetries: 1 });
    harness.sb.fault({ endpoint: 'query', kind: 'latency', ms: 300, times: 2 });
    const error = await client.queryPayment(nextReference()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PROVIDER_TIMEOUT' });
    expect(harness.capture.requests.filter((r) => r.endpoint === 'query')).toHaveLength(2);
  });

  it.each([
    ['delta-seconds', '2', 2_000],
    ['an HTTP-date far away (capped by maxRetryAfterMs)', 'Wed, 21 Oct 2099 07:28:00 GMT', 30_000],
  ])('F-429-1: 429 with Retry-After as %s is honoured', async (_label, retryAfter, expectedWait) => {
    const { h, client, reference } = await withPayment();
    h.sb.fault({ endpoint: 'query', kind: 'status', status: 429, headers: { 'retry-after': retryAfter } });
    expect((await client.queryPayment(reference)).kind).toBe('found');
    expect(queryStatuses(h)).toEqual([429, 200]);
    expect(h.capture.sleeps).toEqual([expectedWait]);
    expect(h.capture.gate.reports.filter((r) => r.endpoint === 'query').map((r) => r.outcome)).toEqual([
      { kind: 'rate_limited', retryAfterMs: expectedWait },
      { kind: 'ok' },
    ]);
  });

  it.each([
    ['missing', undefined],
    ['garbage', 'banana'],
  ])('F-429-1: 429 with a %s Retry-After falls back to jittered backoff', async (_label, retryAfter) => {
    const { h, client, reference } = await withPayment();
    h.sb.fault({
      endpoint: 'query',
      kind: 'status',
      status: 429,
      ...(retryAfter ? { headers: { 'retry-after': retryAfter } } : {}),
    });
    expect((await client.queryPayment(reference)).kind).toBe('found');
    expect(h.capture.sleeps).toEqual([250]);
    expect(h.capture.gate.reports.find((r) => r.endpoint === 'query')?.outcome).toEqual({
      kind: 'rate_limited',
      retryAfterMs: 500,
    });
  });

  it('Retry-After is really waited for with the default sleep (sandbox log timestamps)', async () => {
    harness = await startHarness();
    const client = harness.client({ sleep: undefined });
    harness.sb.fault({ endpoint: 'query', kind: 'status', status: 429, headers: { 'retry-after': '1' } });
    expect((await client.queryPayment(nextReference())).kind).toBe('not_found');
    const [limited, answered] = harness.sb.requests.filter((r) => r.endpoint === 'query');
    expect(limited?.status).toBe(429);
    expect(answered?.status).toBe(404);
    // a lower bound only: the retry cannot have come before the second ClickPesa asked for
    expect((answered?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(990);
  });

  it('F-429-2: ClickPesa\'s 400 "retry after N seconds" cooldown is a rate limit', async () => {
    const { h, client, reference } = await withPayment();
    h.sb.fault({
      endpoint: 'query',
      kind: 'status',
      status: 400,
      body: { message: 'Please retry after 7 seconds' },
    });
    expect((await client.queryPayment(reference)).kind).toBe('found');
    expect(h.capture.sleeps).toEqual([7_000]);
    expect(h.capture.gate.reports.find((r) => r.endpoint === 'query')?.outcome).toEqual({
      kind: 'rate_limited',
      retryAfterMs: 7_000,
    });
  });

  it('F-5XX-2: 503 with Retry-After pauses for that long and tells the gate', async () => {
    const { h, client, reference } = await withPayment();
    h.sb.fault({ endpoint: 'query', kind: 'status', status: 503, headers: { 'retry-after': '20' } });
    expect((await client.queryPayment(reference)).kind).toBe('found');
    expect(h.capture.sleeps).toEqual([20_000]);
    expect(h.capture.gate.reports.find((r) => r.endpoint === 'query')?.outcome).toEqual({
      kind: 'rate_limited',
      retryAfterMs: 20_000,
    });
  });

  it('non-retryable 4xx (400 validation) fails at once', async () => {
    harness = await startHarness();
    harness.sb.fault({
      endpoint: 'query',
      kind: 'status',
      status: 400,
      body: { statusCode: 400, message: ['orderReference must be alphanumeric'], error: 'Bad Request' },
    });
    await expect(harness.client().queryPayment(nextReference())).rejects.toMatchObject({
      code: 'PROVIDER_VALIDATION',
      providerMessage: 'orderReference must be alphanumeric',
    });
    expect(harness.sb.count('query')).toBe(1);
  });

  it('an aborted signal stops a query and its retries', async () => {
    const { h, client, reference } = await withPayment();
    h.sb.fault({ endpoint: 'query', kind: 'latency', ms: 2_000 });
    const controller = new AbortController();
    const pending = client.queryPayment(reference, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('caller gave up')), 30);
    await expect(pending).rejects.toThrow('caller gave up');
    expect(h.capture.requests.filter((r) => r.endpoint === 'query')).toHaveLength(1);
  });
});

describe('aborting during a Retry-After wait', () => {
  it('stops waiting at once and makes no further call', async () => {
    harness = await startHarness();
    const client = harness.client({ sleep: undefined });
    harness.sb.fault({ endpoint: 'query', kind: 'status', status: 429, headers: { 'retry-after': '20' } });
    const controller = new AbortController();
    const pending = client.queryPayment(nextReference(), { signal: controller.signal });
    const sb = harness.sb;
    await vi.waitFor(() => expect(sb.count('query')).toBe(1));
    controller.abort(new Error('shutting down'));
    await expect(pending).rejects.toThrow('shutting down');
    expect(harness.sb.count('query')).toBe(1);
  });
});

describe('listPayments', () => {
  it('GET /payments/all with filters → normalised data and totalCount', async () => {
    harness = await startHarness({ approveDelayMs: 10 });
    const client = harness.client();
    const references = [nextReference(), nextReference(), nextReference()];
    for (const reference of references) await client.initiateUssdPush(push(reference, '255712345670'));
    await Promise.all(references.map((r) => waitForSandboxStatus(harness!.sb, r, ['SUCCESS'])));

    const all = await client.listPayments({ status: 'SUCCESS', limit: 2, orderBy: 'DESC' });
    expect(all.totalCount).toBe(3);
    expect(all.data).toHaveLength(2);
    expect(all.data.every((p) => p.status === 'SUCCESS' && typeof p.collectedAmount === 'string')).toBe(true);
    const sent = harness.sb.requests.find((r) => r.endpoint === 'list');
    expect(sent?.url).toContain('status=SUCCESS');
    expect(sent?.url).toContain('limit=2');

    const one = await client.listPayments({ orderReference: references[1] });
    expect(one.data.map((p) => p.orderReference)).toEqual([references[1]]);
  });

  it('is retried like a query', async () => {
    harness = await startHarness();
    harness.sb.fault({ endpoint: 'list', kind: 'status', status: 500 });
    expect(await harness.client().listPayments()).toEqual({ data: [], totalCount: 0 });
    expect(harness.sb.count('list')).toBe(2);
  });
});

describe('gate and hooks', () => {
  it('acquires before every call and reports after it, tokens included', async () => {
    const { h, client, reference } = await withPayment();
    await client.queryPayment(reference);
    expect(h.capture.gate.acquired).toEqual(['token', 'initiate', 'query']);
    expect(h.capture.gate.reports).toEqual([
      { endpoint: 'token', outcome: { kind: 'ok' } },
      { endpoint: 'initiate', outcome: { kind: 'ok' } },
      { endpoint: 'query', outcome: { kind: 'ok' } },
    ]);
    expect(h.capture.requests.map((r) => r.endpoint)).toEqual(['token', 'initiate', 'query']);
    expect(h.capture.responses.map((r) => [r.endpoint, r.status])).toEqual([
      ['token', 200],
      ['initiate', 200],
      ['query', 200],
    ]);
    expect(h.capture.responses[1]).toMatchObject({ orderReference: reference, method: 'POST' });
  });

  it('a gate that refuses stops the call before anything is sent', async () => {
    harness = await startHarness();
    const client = harness.client({
      gate: {
        acquire: async () => {
          throw new Error('circuit open');
        },
        report: () => {},
      },
    });
    await expect(client.initiateUssdPush(push(nextReference()))).rejects.toThrow('circuit open');
    expect(harness.sb.count('*')).toBe(0);
  });

  it('throwing hooks never break a call', async () => {
    harness = await startHarness();
    const client = harness.client({
      onRequest: () => {
        throw new Error('listener bug');
      },
      onResponse: () => {
        throw new Error('listener bug');
      },
    });
    expect((await client.queryPayment(nextReference())).kind).toBe('not_found');
    expect(harness.capture.logs.some((l) => l.msg === 'clickpesa client hook threw')).toBe(true);
  });

  it('preview returns methods and fails typed on errors', async () => {
    harness = await startHarness();
    const client = harness.client();
    const preview = await client.previewUssdPush(push(nextReference(), '255752345670'));
    expect(preview.activeMethods[0]).toMatchObject({ status: 'AVAILABLE' });
    harness.sb.fault({ endpoint: 'preview', kind: 'status', status: 503 });
    await expect(client.previewUssdPush(push(nextReference()))).rejects.toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
    });
    harness.sb.fault({ endpoint: 'preview', kind: 'malformed' });
    await expect(client.previewUssdPush(push(nextReference()))).rejects.toMatchObject({
      code: 'PROVIDER_BAD_RESPONSE',
    });
    expect(harness.sb.count('preview')).toBe(3);
  });
});
