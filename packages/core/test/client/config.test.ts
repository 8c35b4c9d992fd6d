import { describe, expect, it } from 'vitest';
import { CLIENT_DEFAULTS, DEFAULT_BASE_URL, resolveClientConfig } from '../../src/client/config.js';
import { ClickPesaKitError } from '../../src/errors.js';

function captureError(run: () => unknown): ClickPesaKitError {
  try {
    run();
  } catch (error) {
    if (error instanceof ClickPesaKitError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('resolveClientConfig', () => {
  it('takes options first, then CLICKPESA_* env, then defaults', () => {
    const config = resolveClientConfig({
      clientId: 'opt-client',
      env: {
        CLICKPESA_CLIENT_ID: 'env-client',
        CLICKPESA_API_KEY: 'env-key',
        CLICKPESA_CHECKSUM_KEY: 'env-checksum',
        CLICKPESA_BASE_URL: 'http://127.0.0.1:9999/third-parties/',
      },
    });
    expect(config).toMatchObject({
      clientId: 'opt-client',
      apiKey: 'env-key',
      checksumKey: 'env-checksum',
      checksumMethod: 'canonical',
      baseUrl: 'http://127.0.0.1:9999/third-parties',
      tokenTtlMs: CLIENT_DEFAULTS.tokenTtlMs,
      timeouts: { tokenMs: 10_000, initiateMs: 30_000, queryMs: 15_000 },
      maxRetries: 2,
    });
    expect(resolveClientConfig({ clientId: 'a', apiKey: 'b', env: {} }).baseUrl).toBe(DEFAULT_BASE_URL);
    expect(
      resolveClientConfig({ clientId: 'a', apiKey: 'b', env: { CLICKPESA_CHECKSUM_KEY: ' ' } }).checksumKey,
    ).toBe(undefined);
  });

  it('names each missing variable', () => {
    const both = captureError(() => resolveClientConfig({ env: {} }));
    expect(both.code).toBe('MISSING_CREDENTIALS');
    expect(both.message).toBe(
      'Missing CLICKPESA_CLIENT_ID (or options.clientId) and CLICKPESA_API_KEY (or options.apiKey)',
    );
    const key = captureError(() =>
      resolveClientConfig({ env: { CLICKPESA_CLIENT_ID: 'x', CLICKPESA_API_KEY: '' } }),
    );
    expect(key.message).toBe('Missing CLICKPESA_API_KEY (or options.apiKey)');
  });

  it.each([
    [{ baseUrl: 'not a url' }],
    [{ baseUrl: 'ftp://example.com' }],
    [{ baseUrl: 'https://user:pw@example.com' }],
    [{ timeouts: { initiateMs: 0 } }],
    [{ tokenTtlMs: -1 }],
    [{ maxRetries: Number.NaN }],
    [{ checksumMethod: 'weird' as 'legacy' }],
  ])('rejects %j', (options) => {
    expect(
      captureError(() => resolveClientConfig({ clientId: 'a', apiKey: 'b', env: {}, ...options })).code,
    ).toBe('CONFIG_INVALID');
  });
});
