import { afterEach, describe, expect, it, vi } from 'vitest';
import { computeChecksum } from '../../src/shared/checksum.js';
import { type Harness, nextReference, push, startHarness, waitForSandboxStatus } from './sandbox-harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const CHECKSUM_KEY = 'sandbox-checksum-key-1';

describe('checksummed POST bodies', () => {
  it('without a checksum key the body carries no checksum and the sandbox accepts it', async () => {
    harness = await startHarness();
    const reference = nextReference();
    const result = await harness.client().initiateUssdPush(push(reference));
    expect(result.kind).toBe('accepted');
    const body = harness.sb.requests.find((r) => r.endpoint === 'initiate')?.body as Record<string, unknown>;
    expect(body).toEqual({
      amount: '1000',
      currency: 'TZS',
      orderReference: reference,
      phoneNumber: '255712345670',
    });
  });

  it('with a checksum key, preview and initiate carry a checksum over exactly the sent object', async () => {
    harness = await startHarness({ checksumKey: CHECKSUM_KEY });
    const client = harness.client({ checksumKey: CHECKSUM_KEY });
    const reference = nextReference();
    const preview = await client.previewUssdPush(push(reference));
    expect(preview.activeMethods.length).toBeGreaterThan(0);
    const result = await client.initiateUssdPush(push(reference));
    expect(result.kind).toBe('accepted');

    for (const endpoint of ['preview', 'initiate'] as const) {
      const sent = harness.sb.requests.find((r) => r.endpoint === endpoint)?.body as Record<string, unknown>;
      expect(sent.amount).toBe('1000'); // stays a string: the checksum covers the exact type
      const { checksum, ...rest } = sent;
      expect(checksum).toBe(computeChecksum(rest, CHECKSUM_KEY));
    }
  });

  it('the legacy method sends checksumMethod "legacy" and the sandbox accepts it', async () => {
    harness = await startHarness({ checksumKey: CHECKSUM_KEY });
    const client = harness.client({ checksumKey: CHECKSUM_KEY, checksumMethod: 'legacy' });
    const reference = nextReference();
    expect((await client.initiateUssdPush(push(reference))).kind).toBe('accepted');
    const sent = harness.sb.requests.find((r) => r.endpoint === 'initiate')?.body as Record<string, unknown>;
    expect(sent.checksumMethod).toBe('legacy');
    expect(sent.checksum).toBe(computeChecksum(sent, CHECKSUM_KEY, 'legacy'));
  });

  it('a wrong checksum key → rejected with ClickPesa\'s "Invalid checksum"', async () => {
    harness = await startHarness({ checksumKey: CHECKSUM_KEY });
    const client = harness.client({ checksumKey: 'not-the-right-key' });
    const result = await client.initiateUssdPush(push(nextReference()));
    expect(result.kind).toBe('rejected');
    if (result.kind !== 'rejected') return;
    expect(result.error).toMatchObject({
      code: 'PROVIDER_VALIDATION',
      providerStatus: 400,
      providerMessage: 'Invalid checksum',
    });
    await expect(client.previewUssdPush(push(nextReference()))).rejects.toMatchObject({
      providerMessage: 'Invalid checksum',
    });
  });

  it('no checksum while the account requires one → rejected "checksum is required"', async () => {
    harness = await startHarness({ checksumKey: CHECKSUM_KEY });
    const result = await harness.client().initiateUssdPush(push(nextReference()));
    expect(result).toMatchObject({ kind: 'rejected', error: { providerMessage: 'checksum is required' } });
  });
});

describe('scenarios by the last phone digit, through initiate and query', () => {
  const cases = [
    ['0', 'SUCCESS'],
    ['4', 'SUCCESS'],
    ['5', 'FAILED'],
    ['6', 'FAILED'],
    ['7', 'PROCESSING'],
    ['8', 'SUCCESS'],
  ] as const;

  it.each(cases)('digit %s → %s', async (digit, finalStatus) => {
    harness = await startHarness({ approveDelayMs: 20 });
    const client = harness.client();
    const reference = nextReference();
    const result = await client.initiateUssdPush(push(reference, `25571234567${digit}`));
    expect(result.kind).toBe('accepted');
    if (result.kind !== 'accepted') return;
    expect(result.payment).toMatchObject({
      orderReference: reference,
      status: 'PROCESSING',
      collectedAmount: '1000',
    });
    expect(typeof result.payment.id).toBe('string');

    if (finalStatus !== 'PROCESSING') await waitForSandboxStatus(harness.sb, reference, [finalStatus]);
    const query = await client.queryPayment(reference);
    expect(query.kind).toBe('found');
    if (query.kind !== 'found') return;
    expect(query.payments).toHaveLength(1);
    expect(query.payments[0]).toMatchObject({
      orderReference: reference,
      status: finalStatus,
      collectedAmount: '1000',
    });
    if (digit === '5') expect(query.payments[0]?.message).toBe('Payment rejected by customer');
    if (digit === '6') expect(query.payments[0]?.message).toBe('Insufficient balance');
  });

  it('digit 9 → rejected "Invalid / unsupported phone number", nothing created', async () => {
    harness = await startHarness();
    const reference = nextReference();
    const result = await harness.client().initiateUssdPush(push(reference, '255712345679'));
    expect(result).toMatchObject({
      kind: 'rejected',
      error: {
        code: 'PROVIDER_VALIDATION',
        providerStatus: 400,
        providerMessage: 'Invalid / unsupported phone number',
      },
    });
    expect(harness.sb.getPayment(reference)).toBeUndefined();
    expect(
      harness.capture.gate.reports.filter((r) => r.endpoint === 'initiate').map((r) => r.outcome),
    ).toEqual([{ kind: 'client_error' }]);
  });
});

describe('initiate is never retried (POLL-12; docs/decisions.md, decision c)', () => {
  it('409 on a reused reference → exists', async () => {
    harness = await startHarness();
    const client = harness.client();
    const reference = nextReference();
    expect((await client.initiateUssdPush(push(reference))).kind).toBe('accepted');
    const again = await client.initiateUssdPush(push(reference));
    expect(again).toMatchObject({
      kind: 'exists',
      error: { code: 'PROVIDER_CONFLICT', providerStatus: 409 },
    });
    expect(harness.sb.getAttempts(reference)).toHaveLength(1);
  });

  it('F-NET-2: reset after processing → ambiguous; the push exists; one initiate call', async () => {
    harness = await startHarness();
    const client = harness.client();
    const reference = nextReference();
    harness.sb.fault({ endpoint: 'initiate', kind: 'reset', when: 'after' });
    const result = await client.initiateUssdPush(push(reference));
    expect(result).toMatchObject({ kind: 'ambiguous', error: { code: 'PROVIDER_UNAVAILABLE' } });
    expect(harness.sb.count('initiate')).toBe(1);
    expect(harness.sb.getPayment(reference)).toBeDefined();
    expect((await client.queryPayment(reference)).kind).toBe('found');
  });

  it('F-NET-1: reset before processing → ambiguous; nothing created; one initiate call', async () => {
    harness = await startHarness();
    const reference = nextReference();
    harness.sb.fault({ endpoint: 'initiate', kind: 'reset', when: 'before' });
    const result = await harness.client().initiateUssdPush(push(reference));
    expect(result.kind).toBe('ambiguous');
    expect(harness.sb.count('initiate')).toBe(1);
    expect(harness.sb.getPayment(reference)).toBeUndefined();
  });

  it('F-LAT-2: latency beyond the initiate timeout → ambiguous PROVIDER_TIMEOUT; the push exists; one call', async () => {
    harness = await startHarness();
    const client = harness.client({ timeouts: { initiateMs: 100 } });
    const reference = nextReference();
    harness.sb.fault({ endpoint: 'initiate', kind: 'latency', ms: 400 });
    const result = await client.initiateUssdPush(push(reference));
    expect(result).toMatchObject({ kind: 'ambiguous', error: { code: 'PROVIDER_TIMEOUT' } });
    // the sandbox logs a delayed call once it has answered (to a socket we already left)
    const sb = harness.sb;
    await vi.waitFor(() => expect(sb.count('initiate')).toBe(1), { timeout: 2_000 });
    expect(harness.sb.getPayment(reference)).toBeDefined();
    expect(
      harness.capture.gate.reports.filter((r) => r.endpoint === 'initiate').map((r) => r.outcome),
    ).toEqual([{ kind: 'failure' }]);
  });

  it.each([500, 502, 503, 504])('F-5XX-1: initiate %i → ambiguous; exactly one call', async (status) => {
    harness = await startHarness();
    harness.sb.fault({
      endpoint: 'initiate',
      kind: 'status',
      status,
      body: { message: 'Error validating fee, try again later' },
    });
    const client = harness.client();
    const failed = await client.initiateUssdPush(push(nextReference()));
    expect(failed).toMatchObject({
      kind: 'ambiguous',
      error: {
        code: 'PROVIDER_UNAVAILABLE',
        providerStatus: status,
        providerMessage: 'Error validating fee, try again later',
      },
    });
    expect(harness.sb.count('initiate')).toBe(1);
    expect(harness.capture.sleeps).toEqual([]);
  });

  it.each(['malformed', 'truncated', 'html', 'empty'] as const)(
    'F-BODY-1: a %s 2xx body on initiate → ambiguous PROVIDER_BAD_RESPONSE; one call',
    async (kind) => {
      harness = await startHarness();
      const reference = nextReference();
      harness.sb.fault({ endpoint: 'initiate', kind });
      const result = await harness.client().initiateUssdPush(push(reference));
      expect(result.kind).toBe('ambiguous');
      if (result.kind !== 'ambiguous') return;
      // a truncated body may surface as a cut connection instead of a short body; both are ambiguous
      expect(['PROVIDER_BAD_RESPONSE', 'PROVIDER_UNAVAILABLE']).toContain(result.error.code);
      if (kind !== 'truncated') expect(result.error.code).toBe('PROVIDER_BAD_RESPONSE');
      expect(harness.sb.count('initiate')).toBe(1);
      expect(harness.sb.getPayment(reference)).toBeDefined();
    },
  );

  it('429 on initiate → rejected with PROVIDER_RATE_LIMITED and the wait, not retried', async () => {
    harness = await startHarness();
    harness.sb.fault({ endpoint: 'initiate', kind: 'status', status: 429, headers: { 'retry-after': '12' } });
    const result = await harness.client().initiateUssdPush(push(nextReference()));
    expect(result).toMatchObject({
      kind: 'rejected',
      error: { code: 'PROVIDER_RATE_LIMITED', retryAfterMs: 12_000 },
    });
    expect(harness.sb.count('initiate')).toBe(1);
    expect(
      harness.capture.gate.reports.filter((r) => r.endpoint === 'initiate').map((r) => r.outcome),
    ).toEqual([{ kind: 'rate_limited', retryAfterMs: 12_000 }]);
  });
});
