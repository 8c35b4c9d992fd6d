import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PaymentStore } from '@clickpesa-kit/core';
import { createSqliteStore } from '@clickpesa-kit/store-sqlite';
import { runStoreConformanceTests } from '@clickpesa-kit/store-tests';
import { afterAll, describe, expect, it } from 'vitest';

// The same conformance suite as better-sqlite3, over Node's built-in node:sqlite (Node 22.13+).
// tools/test-on-node.sh runs this file on Node 22 and 24; on older Node it skips, loudly.
const available = process.getBuiltinModule?.('node:sqlite') !== undefined;

if (!available) {
  console.warn(
    `\n*** SKIPPED: the node:sqlite driver tests need Node 22.13+ (node:sqlite); this is Node ${process.version}. ` +
      'Run tools/test-on-node.sh 22.23.5 (or 24.22.3) to run them. ***\n',
  );
  describe.skip('node:sqlite driver (needs Node 22.13+)', () => {
    it('runs the conformance suite', () => {});
  });
} else {
  const root = mkdtempSync(join(tmpdir(), 'cpk-node-sqlite-'));
  const files = new WeakMap<PaymentStore, string>();
  let counter = 0;
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  runStoreConformanceTests({
    name: 'sqlite via node:sqlite (file)',
    capabilities: { sharedBudget: true, pruneBuckets: true },
    createStore: () => {
      const filename = join(root, `store-${++counter}.db`);
      const store = createSqliteStore({ filename, driver: 'node:sqlite' });
      files.set(store, filename);
      return store;
    },
    createPeer: (store) => createSqliteStore({ filename: files.get(store)!, driver: 'node:sqlite' }),
    destroyStore: (store) => {
      for (const suffix of ['', '-wal', '-shm']) rmSync(files.get(store)! + suffix, { force: true });
    },
  });

  runStoreConformanceTests({
    name: 'sqlite via node:sqlite (:memory:)',
    capabilities: { sharedBudget: true, pruneBuckets: true },
    createStore: () => createSqliteStore({ filename: ':memory:', driver: 'node:sqlite' }),
  });

  describe('node:sqlite driver', () => {
    it('opens a file better-sqlite3 wrote, in WAL mode, at the same schema version', async () => {
      const filename = join(root, 'shared.db');
      const written = createSqliteStore({ filename });
      const versionWritten = written.schemaVersion;
      await written.close();
      const reopened = createSqliteStore({ filename, driver: 'node:sqlite' });
      expect(reopened.schemaVersion).toBe(versionWritten);
      await reopened.close();
    });
  });
}

describe('driver option', () => {
  it('rejects an unknown driver with CONFIG_INVALID', () => {
    expect(() =>
      createSqliteStore({ filename: ':memory:', driver: 'sqlite4' as unknown as 'node:sqlite' }),
    ).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
