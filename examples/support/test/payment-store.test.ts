import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPaymentStore } from '../src/payment-store.js';

describe('openPaymentStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'example-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the SQLite data directory and a working store', async () => {
    const store = await openPaymentStore({ kind: 'sqlite', filename: join(dir, 'nested', 'payments.db') });
    try {
      await expect(store.ping()).resolves.toBeUndefined();
      expect(store.kind).toBe('sqlite');
    } finally {
      await store.close();
    }
  });

  it('says what to fix when the data directory cannot be made', async () => {
    writeFileSync(join(dir, '.data'), 'in the way');
    await expect(
      openPaymentStore({ kind: 'sqlite', filename: join(dir, '.data', 'payments.db') }),
    ).rejects.toThrow(
      /^Cannot write the SQLite database .*payments\.db \(a file is in the way of the directory\): make .*\.data a writable directory, or set DATABASE_URL/,
    );
  });

  // CI sets it (.ci/run); elsewhere this one runs only when it is set
  const testDatabase = process.env.CLICKPESA_TEST_DATABASE_URL;
  it.skipIf(!testDatabase && process.env.CI !== 'true')(
    'opens PostgreSQL for a postgres:// DATABASE_URL, tables migrated',
    async () => {
      const store = await openPaymentStore({
        kind: 'postgres',
        connectionString: testDatabase ?? '',
        where: 'test',
      });
      try {
        expect(store.kind).toBe('postgres');
        await expect(store.getPayment('00000000-0000-4000-8000-000000000000')).resolves.toBeNull();
      } finally {
        await store.close();
      }
    },
  );

  it('says which PostgreSQL it could not reach, without the password', async () => {
    const error = await openPaymentStore({
      kind: 'postgres',
      connectionString: 'postgres://shop:hunter2@127.0.0.1:1/shop',
      where: '127.0.0.1:1/shop',
    }).catch((caught: unknown) => caught as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      'Cannot use the PostgreSQL database at 127.0.0.1:1/shop (connection refused): check DATABASE_URL and that the server is running',
    );
  });
});
