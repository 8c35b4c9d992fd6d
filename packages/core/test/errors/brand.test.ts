import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ClickPesaKitError,
  ClickPesaProviderError,
  isClickPesaKitError,
  isClickPesaProviderError,
  StoreConflictError,
  StoreUnavailableError,
} from '../../src/errors.js';

const cjsBuild = fileURLToPath(new URL('../../dist/index.cjs', import.meta.url));

describe('error classes', () => {
  it('subclasses carry their code, status and (for the provider) the provider fields', () => {
    const provider = new ClickPesaProviderError('PROVIDER_VALIDATION', {
      providerStatus: 400,
      providerMessage: 'Invalid checksum',
    });
    expect(provider).toMatchObject({
      name: 'ClickPesaProviderError',
      code: 'PROVIDER_VALIDATION',
      httpStatus: 422,
      providerStatus: 400,
      providerMessage: 'Invalid checksum',
    });
    expect(isClickPesaProviderError(provider)).toBe(true);

    const down = new StoreUnavailableError({ cause: new Error('ECONNREFUSED') });
    expect(down).toMatchObject({ name: 'StoreUnavailableError', code: 'STORE_UNAVAILABLE', httpStatus: 503 });
    expect(isClickPesaKitError(down, 'STORE_UNAVAILABLE')).toBe(true);
    expect(isClickPesaProviderError(down)).toBe(false);
    expect(new StoreConflictError()).toMatchObject({ code: 'STORE_CONFLICT', httpStatus: 409 });
    expect('providerStatus' in down).toBe(false);
  });

  it('recognises by brand, not by name: a look-alike is not ours', () => {
    const lookAlike = Object.assign(new Error('x'), { name: 'ClickPesaKitError', code: 'NOT_FOUND' });
    expect(isClickPesaKitError(lookAlike)).toBe(false);
    expect(isClickPesaKitError(new ClickPesaKitError('NOT_FOUND'), 'NOT_FOUND')).toBe(true);
    expect(isClickPesaKitError(new ClickPesaKitError('NOT_FOUND'), 'INTERNAL_ERROR')).toBe(false);
  });

  it('keeps the brand out of JSON', () => {
    expect(JSON.parse(JSON.stringify(new StoreConflictError()))).toEqual({
      code: 'STORE_CONFLICT',
      httpStatus: 409,
      name: 'StoreConflictError',
    });
  });

  it('recognises an error from a second copy of the module', async () => {
    const copy = (await import(
      /* @vite-ignore */ `${new URL('../../src/errors.ts', import.meta.url).href}?second-copy`
    )) as typeof import('../../src/errors.js');
    const foreign = new copy.StoreUnavailableError();
    expect(foreign).not.toBeInstanceOf(ClickPesaKitError);
    expect(isClickPesaKitError(foreign, 'STORE_UNAVAILABLE')).toBe(true);
  });

  // `pnpm test` builds first; a bare `vitest run` before any build skips this one
  it.skipIf(!existsSync(cjsBuild))('recognises an error built by the CommonJS build', () => {
    const cjs = createRequire(import.meta.url)(cjsBuild) as typeof import('../../src/index.js');
    const error = new cjs.ClickPesaProviderError('PROVIDER_TIMEOUT');
    expect(error).not.toBeInstanceOf(ClickPesaKitError);
    expect(isClickPesaKitError(error, 'PROVIDER_TIMEOUT')).toBe(true);
    expect(isClickPesaProviderError(error)).toBe(true);
  });
});
