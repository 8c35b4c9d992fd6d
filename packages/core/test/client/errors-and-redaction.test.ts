import { describe, expect, it } from 'vitest';
import {
  codeForStatus,
  normaliseProviderMessage,
  providerResponseError,
} from '../../src/client/provider-error.js';
import { maskPhone, REDACTED, SecretRedactor } from '../../src/shared/redact.js';

describe('normaliseProviderMessage', () => {
  it('reads {message} and NestJS {statusCode, message: [...], error}', () => {
    expect(normaliseProviderMessage({ message: 'Invalid checksum' })).toBe('Invalid checksum');
    expect(
      normaliseProviderMessage({
        statusCode: 400,
        message: ['Invalid checksum', 'amount must be a string'],
        error: 'Bad Request',
      }),
    ).toBe('Invalid checksum; amount must be a string');
    expect(normaliseProviderMessage({ statusCode: 400, error: 'Bad Request' })).toBe('Bad Request');
  });

  it('gives nothing for non-objects and empty messages, and truncates long ones', () => {
    expect(normaliseProviderMessage('<html>500</html>')).toBeUndefined();
    expect(normaliseProviderMessage(['x'])).toBeUndefined();
    expect(normaliseProviderMessage({ message: '   ' })).toBeUndefined();
    expect(normaliseProviderMessage({ message: 'x'.repeat(1000) })).toHaveLength(300);
  });

  it('scrubs secrets a provider echoes back', () => {
    const redactor = new SecretRedactor(['SENTINEL_API_KEY_9f3']);
    expect(normaliseProviderMessage({ message: 'bad key SENTINEL_API_KEY_9f3' }, redactor)).toBe(
      `bad key ${REDACTED}`,
    );
  });
});

describe('codeForStatus', () => {
  it.each([
    ['token', 403, undefined, 'PROVIDER_CREDENTIALS_REJECTED'],
    ['token', 401, undefined, 'PROVIDER_CREDENTIALS_REJECTED'],
    ['query', 401, undefined, 'PROVIDER_UNAUTHORIZED'],
    ['initiate', 400, 'Invalid checksum', 'PROVIDER_VALIDATION'],
    ['initiate', 400, 'Please retry after 30 seconds', 'PROVIDER_RATE_LIMITED'],
    ['initiate', 409, undefined, 'PROVIDER_CONFLICT'],
    ['query', 404, undefined, 'PROVIDER_NOT_FOUND'],
    ['query', 429, undefined, 'PROVIDER_RATE_LIMITED'],
    ['query', 503, undefined, 'PROVIDER_UNAVAILABLE'],
    ['initiate', 302, undefined, 'PROVIDER_BAD_RESPONSE'],
  ] as const)('%s %i %s → %s', (endpoint, status, message, code) => {
    expect(codeForStatus(endpoint, status, message)).toBe(code);
  });

  it('builds errors that carry the provider status and message', () => {
    const error = providerResponseError({
      endpoint: 'initiate',
      status: 400,
      providerMessage: 'Invalid checksum',
    });
    expect(error).toMatchObject({
      code: 'PROVIDER_VALIDATION',
      providerStatus: 400,
      providerMessage: 'Invalid checksum',
    });
    expect(error.message).toContain('Invalid checksum');
  });
});

describe('SecretRedactor', () => {
  const redactor = new SecretRedactor(['SENTINEL_API_KEY_9f3', undefined, 'abc']);
  redactor.addSecret('Bearer SENTINEL_TOKEN_77aa');

  it('redacts secret fields by name, truncates checksums, masks phones', () => {
    expect(
      redactor.redact({
        token: 'Bearer whatever',
        checksum: 'a'.repeat(64),
        phoneNumber: '255712345678',
        nested: [{ 'api-key': 'x', customerPhoneNumber: '0712345678', note: 'token SENTINEL_TOKEN_77aa' }],
        amount: '1000',
      }),
    ).toEqual({
      token: REDACTED,
      checksum: 'aaaaaaaa…',
      phoneNumber: '2557****678',
      nested: [{ 'api-key': REDACTED, customerPhoneNumber: '0712****678', note: `token ${REDACTED}` }],
      amount: '1000',
    });
  });

  it('does not treat very short values as secrets', () => {
    expect(redactor.scrub('abc def')).toBe('abc def');
  });

  it('masks phone numbers', () => {
    expect(maskPhone('255712345678')).toBe('2557****678');
    expect(maskPhone('123')).toBe('****');
  });
});
