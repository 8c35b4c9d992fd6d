import { afterEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index.js';
import { clickpesa, push, ref, signed } from './helpers.js';

const KEY = 'the-checksum-key';
let sb: Sandbox;
afterEach(() => sb?.close());

describe('request checksums (checksum key set)', () => {
  it.each(['initiate', 'preview'] as const)('%s: missing → 400 "checksum is required"', async (endpoint) => {
    sb = await startSandbox({ checksumKey: KEY, approveDelayMs: 60_000 });
    const response = await clickpesa(sb)[endpoint](push(ref(), '255712345670'));
    expect(response).toMatchObject({ status: 400, body: { message: 'checksum is required' } });
  });

  it.each(['initiate', 'preview'] as const)(
    '%s: wrong → 400 NestJS-shaped "Invalid checksum"',
    async (endpoint) => {
      sb = await startSandbox({ checksumKey: KEY, approveDelayMs: 60_000 });
      const api = clickpesa(sb);
      const orderReference = ref();
      for (const body of [
        signed('wrong-key', push(orderReference, '255712345670')),
        { ...signed(KEY, push(orderReference, '255712345670')), amount: '1001' },
        { ...push(orderReference, '255712345670'), checksum: 'not-hex' },
      ]) {
        const response = await api[endpoint](body);
        expect(response.status).toBe(400);
        expect(response.body).toEqual({
          statusCode: 400,
          message: ['Invalid checksum'],
          error: 'Bad Request',
        });
      }
      expect(sb.getPayment(orderReference)).toBeUndefined();
    },
  );

  it('accepts the canonical checksum', async () => {
    sb = await startSandbox({ checksumKey: KEY, approveDelayMs: 60_000 });
    const orderReference = ref();
    const response = await clickpesa(sb).initiate(signed(KEY, push(orderReference, '255712345670')));
    expect(response.status).toBe(200);
    expect(sb.getPayment(orderReference)?.status).toBe('PROCESSING');
  });

  it('accepts the legacy checksum when checksumMethod is "legacy"', async () => {
    sb = await startSandbox({ checksumKey: KEY, approveDelayMs: 60_000 });
    const api = clickpesa(sb);
    const legacy = signed(KEY, push(ref(), '255712345670'), 'legacy');
    expect((await api.initiate(legacy)).status).toBe(200);
    // A legacy checksum presented as canonical does not verify.
    const { checksumMethod: _method, ...asCanonical } = signed(KEY, push(ref(), '255712345670'), 'legacy');
    expect((await api.initiate(asCanonical)).status).toBe(400);
  });

  it('checks the checksum before the body, and ignores it without a key', async () => {
    sb = await startSandbox({ approveDelayMs: 60_000 });
    const response = await clickpesa(sb).initiate({ ...push(ref(), '255712345670'), checksum: 'anything' });
    expect(response.status).toBe(200);
  });
});
