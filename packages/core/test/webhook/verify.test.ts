import { describe, expect, it } from 'vitest';
import { computeChecksum } from '../../src/shared/checksum.js';
import { verifyClickPesaWebhook } from '../../src/webhook/verify.js';

const KEY = 'webhook-test-checksum-key';
const payload = {
  event: 'PAYMENT RECEIVED',
  data: { orderReference: 'ORD1', status: 'SUCCESS', collectedAmount: '1000', updatedAt: 't1' },
};
const signed = (method: 'canonical' | 'legacy' = 'canonical', extra: Record<string, unknown> = {}) =>
  JSON.stringify({ ...payload, ...extra, checksum: computeChecksum({ ...payload, ...extra }, KEY, method) });

describe('verifyClickPesaWebhook', () => {
  it('verifies the canonical checksum in the body and reads the record from bytes', () => {
    const result = verifyClickPesaWebhook(Buffer.from(signed()), {}, { checksumKey: KEY });
    expect(result).toMatchObject({
      ok: true,
      verified: true,
      webhook: { orderReference: 'ORD1', record: { status: 'SUCCESS', collectedAmount: '1000' } },
    });
  });

  it('takes the checksum from a configured header when the body has none, never from others', () => {
    const checksum = computeChecksum(payload, KEY);
    const body = JSON.stringify(payload);
    expect(
      verifyClickPesaWebhook(body, { 'X-ClickPesa-Checksum': checksum }, { checksumKey: KEY }),
    ).toMatchObject({
      ok: true,
      verified: true,
    });
    expect(
      verifyClickPesaWebhook(body, { 'x-other': checksum }, { checksumKey: KEY, checksumHeaders: ['x-sig'] }),
    ).toEqual({ ok: false, reason: 'missing_checksum', message: 'missing checksum' });
  });

  it('accepts the legacy algorithm only when it is configured', () => {
    const legacy = signed('legacy', { checksumMethod: 'legacy' });
    expect(verifyClickPesaWebhook(legacy, {}, { checksumKey: KEY })).toMatchObject({
      ok: false,
      reason: 'bad_checksum',
    });
    expect(verifyClickPesaWebhook(legacy, {}, { checksumKey: KEY, checksumMethod: 'legacy' })).toMatchObject({
      ok: true,
      verified: true,
    });
  });

  it('rejects a wrong key and malformed bodies; without keys nothing is verified', () => {
    expect(verifyClickPesaWebhook(signed(), {}, { checksumKey: 'another-key' })).toMatchObject({
      ok: false,
      reason: 'bad_checksum',
    });
    expect(verifyClickPesaWebhook('{"data":', {}, { checksumKey: KEY })).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    expect(verifyClickPesaWebhook('{"__proto__":{}}', {}, {})).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    expect(verifyClickPesaWebhook(signed(), {}, {})).toMatchObject({ ok: true, verified: false });
  });
});
