import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, nextReference, push, startHarness } from './sandbox-harness.js';

const SENTINELS = {
  clientId: 'SENTINEL_CLIENT_ID_5a2',
  apiKey: 'SENTINEL_API_KEY_9f3',
  checksumKey: 'SENTINEL_CHECKSUM_KEY_c71',
};

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function everythingReported(h: Harness, errors: unknown[], results: unknown[]): string {
  const parts: string[] = [
    JSON.stringify(h.capture.logs),
    JSON.stringify(h.capture.requests),
    JSON.stringify(h.capture.responses),
    JSON.stringify(h.capture.gate),
  ];
  for (const error of errors) {
    parts.push(String((error as Error).message), JSON.stringify(error), inspect(error, { depth: 6 }));
  }
  for (const result of results) {
    const error = (result as { error?: Error }).error;
    if (error) parts.push(error.message, JSON.stringify(error), inspect(error, { depth: 6 }));
  }
  return parts.join('\n');
}

describe('secrets never leave the client (SEC-11, SEC-12, F-SEC-2)', () => {
  it('no sentinel, token or unmasked phone number in any log line, event or error across the fault suite', async () => {
    harness = await startHarness({ ...SENTINELS, approveDelayMs: 10 });
    const h = harness;
    const client = h.client({ ...SENTINELS, timeouts: { initiateMs: 80, queryMs: 80 } });
    const errors: unknown[] = [];
    const results: unknown[] = [];
    const attempt = async (run: () => Promise<unknown>) => {
      try {
        results.push(await run());
      } catch (error) {
        errors.push(error);
      }
    };
    const reference = nextReference();
    const echo = `<html><body>upstream error for api-key ${SENTINELS.apiKey} / ${SENTINELS.checksumKey}</body></html>`;

    await attempt(() => client.previewUssdPush(push(reference)));
    await attempt(() => client.initiateUssdPush(push(reference)));
    await attempt(() => client.initiateUssdPush(push(reference))); // 409
    await attempt(() => client.queryPayment(reference));
    await attempt(() => client.listPayments({ orderReference: reference }));

    h.sb.fault({ endpoint: 'initiate', kind: 'status', status: 500, body: echo });
    await attempt(() => client.initiateUssdPush(push(nextReference())));
    h.sb.fault({ endpoint: 'query', kind: 'status', status: 500, body: echo, times: 3 });
    await attempt(() => client.queryPayment(reference));
    h.sb.fault({
      endpoint: 'query',
      kind: 'status',
      status: 400,
      body: { message: `bad key ${SENTINELS.apiKey}` },
    });
    await attempt(() => client.queryPayment(reference));
    h.sb.fault({ endpoint: 'initiate', kind: 'reset', when: 'after' });
    await attempt(() => client.initiateUssdPush(push(nextReference())));
    h.sb.fault({ endpoint: 'initiate', kind: 'latency', ms: 300 });
    await attempt(() => client.initiateUssdPush(push(nextReference())));
    h.sb.fault({ endpoint: '*', kind: 'malformed', times: 4 });
    await attempt(() => client.initiateUssdPush(push(nextReference())));
    await attempt(() => client.queryPayment(reference));
    h.sb.expireTokens();
    await attempt(() => client.queryPayment(reference));
    h.sb.fault({ endpoint: 'query', kind: 'status', status: 429, headers: { 'retry-after': '1' } });
    await attempt(() => client.queryPayment(reference));

    const wrongKey = h.client({ ...SENTINELS, checksumKey: `${SENTINELS.checksumKey}_WRONG` });
    await attempt(() => wrongKey.initiateUssdPush(push(nextReference())));
    const wrongApiKey = h.client({ ...SENTINELS, apiKey: `${SENTINELS.apiKey}_WRONG` });
    await attempt(() => wrongApiKey.queryPayment(reference));
    h.sb.fault({ endpoint: 'token', kind: 'status', status: 503, body: echo, times: 3 });
    await attempt(() => h.client({ ...SENTINELS }).queryPayment(reference));

    // the suite really exercised failures and successes
    expect(errors.length).toBeGreaterThanOrEqual(4);
    expect(results.some((r) => (r as { kind?: string }).kind === 'ambiguous')).toBe(true);
    expect(h.capture.authorizations.length).toBeGreaterThan(5);

    const reported = everythingReported(h, errors, results);
    expect(reported.length).toBeGreaterThan(1_000);
    for (const secret of Object.values(SENTINELS)) expect(reported).not.toContain(secret);
    for (const header of new Set(h.capture.authorizations)) {
      expect(reported).not.toContain(header.replace(/^Bearer /, ''));
    }
    expect(reported).not.toMatch(/(?<!\d)255\d{9}(?!\d)/);
    expect(reported).not.toMatch(/cloudflare|<html/i);
    // the phone number is there, masked
    expect(reported).toContain('2557****670');
  });
});
