import { describe, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_APPROVE_DELAY_MS, readExampleConfig } from '../src/config.js';
import { StartupError } from '../src/startup-error.js';

function problem(env: NodeJS.ProcessEnv): string {
  try {
    readExampleConfig(env, '/srv/shop');
  } catch (error) {
    expect(error).toBeInstanceOf(StartupError);
    return (error as Error).message;
  }
  throw new Error('expected a StartupError');
}

describe('readExampleConfig', () => {
  it('defaults: port 3000 on loopback, SQLite in ./.data, the sandbox, alice and bob', () => {
    const config = readExampleConfig({}, '/srv/shop');
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      database: { kind: 'sqlite', filename: '/srv/shop/.data/payments.db' },
      clickpesa: { mode: 'sandbox', approveDelayMs: DEFAULT_SANDBOX_APPROVE_DELAY_MS },
    });
    expect(config.apiTokens.userIds).toEqual(['alice', 'bob']);
    expect(config.apiTokens.demoToken).toBe('alice-token');
  });

  it('DATABASE_URL postgres:// picks PostgreSQL; messages name host, port and database only', () => {
    const { database } = readExampleConfig({ DATABASE_URL: 'postgresql://shop:pw@db.internal/shop' });
    expect(database).toEqual({
      kind: 'postgres',
      connectionString: 'postgresql://shop:pw@db.internal/shop',
      where: 'db.internal:5432/shop',
    });
  });

  it.each(['mysql://shop:secret-pw@127.0.0.1/shop', 'not a url secret-pw', 'postgres://', './payments.db'])(
    'refuses DATABASE_URL %s without echoing it',
    (url) => {
      const message = problem({ DATABASE_URL: url });
      expect(message).toMatch(/^DATABASE_URL is not a valid postgres:\/\/ URL: /);
      expect(message).not.toContain('secret-pw');
    },
  );

  it.each(['abc', '-1', '65536', '3000.5'])('refuses PORT=%s', (port) => {
    expect(problem({ PORT: port })).toBe(`PORT must be a whole number from 0 to 65535, not "${port}"`);
  });

  it('live mode needs both credentials and never mixes in the sandbox', () => {
    expect(problem({ CLICKPESA_CLIENT_ID: 'id' })).toMatch(/^CLICKPESA_API_KEY is missing: /);
    expect(problem({ CLICKPESA_API_KEY: 'key-value' })).toMatch(/^CLICKPESA_CLIENT_ID is missing: /);
    expect(problem({ CLICKPESA_API_KEY: 'key-value' })).not.toContain('key-value');
    const { clickpesa } = readExampleConfig({
      CLICKPESA_CLIENT_ID: 'id',
      CLICKPESA_API_KEY: 'key',
      CLICKPESA_CHECKSUM_KEY: 'sum',
    });
    expect(clickpesa).toEqual({ mode: 'live', clientId: 'id', apiKey: 'key', checksumKey: 'sum' });
    expect(
      problem({ CLICKPESA_CLIENT_ID: 'id', CLICKPESA_API_KEY: 'key', CLICKPESA_BASE_URL: 'ftp://x' }),
    ).toMatch(/^CLICKPESA_BASE_URL is not an http\(s\) URL/);
  });

  it('SANDBOX_APPROVE_DELAY_MS sets how long the simulated customer takes', () => {
    expect(readExampleConfig({ SANDBOX_APPROVE_DELAY_MS: '50' }).clickpesa).toEqual({
      mode: 'sandbox',
      approveDelayMs: 50,
    });
    expect(problem({ SANDBOX_APPROVE_DELAY_MS: 'soon' })).toMatch(/^SANDBOX_APPROVE_DELAY_MS must be/);
  });
});
