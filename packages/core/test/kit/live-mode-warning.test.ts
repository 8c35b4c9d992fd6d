import { describe, expect, it } from 'vitest';
import { createClickPesaPayments } from '../../src/kit.js';
import type { Logger } from '../../src/logger.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { bearerAuthenticate, SENTINELS } from './fixture.js';

/** Starts a kit (nothing is sent anywhere: no poller) and returns every warning line it logged. */
function startupWarnings(clickpesa: Record<string, unknown>, checksumKey?: string): string[] {
  const warnings: string[] = [];
  const quiet = () => {};
  const logger: Logger = {
    debug: quiet,
    info: quiet,
    error: quiet,
    warn: (fields: Record<string, unknown>, message?: string) => {
      warnings.push(`${message} ${JSON.stringify(fields)}`);
    },
  };
  const kit = createClickPesaPayments({
    store: createMemoryStore(),
    authenticate: bearerAuthenticate,
    clickpesa: { clientId: SENTINELS.clientId, apiKey: SENTINELS.apiKey, env: {}, ...clickpesa },
    ...(checksumKey === undefined ? {} : { checksumKey }),
    logger,
    poller: false,
    autoStart: false,
  });
  void kit.close();
  return warnings.filter((line) => line.includes('checksum key'));
}

describe('live ClickPesa without a checksum key (SEC-15)', () => {
  it('logs one clear warning line at startup, naming the setting and no secret', () => {
    const lines = startupWarnings({});
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^live ClickPesa without a checksum key/);
    expect(lines[0]).toContain('CLICKPESA_CHECKSUM_KEY');
    for (const secret of Object.values(SENTINELS)) expect(lines[0]).not.toContain(secret);
  });

  it('also for the live URL given explicitly', () => {
    expect(startupWarnings({ baseUrl: 'https://API.clickpesa.com/third-parties' })).toHaveLength(1);
  });

  it('stays quiet with a checksum key, or against a sandbox', () => {
    expect(startupWarnings({ checksumKey: 'a-checksum-key-for-the-client' })).toEqual([]);
    expect(startupWarnings({}, 'a-webhook-checksum-key')).toEqual([]);
    expect(startupWarnings({ baseUrl: 'http://127.0.0.1:9/third-parties' })).toEqual([]);
  });
});
