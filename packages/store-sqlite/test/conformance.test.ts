import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PaymentStore } from '@clickpesa-kit/core';
import { createSqliteStore } from '@clickpesa-kit/store-sqlite';
import { runStoreConformanceTests } from '@clickpesa-kit/store-tests';
import { afterAll } from 'vitest';

// A real file per test (WAL mode), and a second connection to the same file as the racing peer.
const root = mkdtempSync(join(tmpdir(), 'cpk-sqlite-conformance-'));
const files = new WeakMap<PaymentStore, string>();
let counter = 0;

afterAll(() => rmSync(root, { recursive: true, force: true }));

runStoreConformanceTests({
  name: 'sqlite (file)',
  capabilities: { sharedBudget: true, pruneBuckets: true },
  createStore: () => {
    const filename = join(root, `store-${++counter}.db`);
    const store = createSqliteStore({ filename });
    files.set(store, filename);
    return store;
  },
  createPeer: (store) => createSqliteStore({ filename: files.get(store)! }),
  destroyStore: (store) => {
    const filename = files.get(store)!;
    for (const suffix of ['', '-wal', '-shm']) rmSync(filename + suffix, { force: true });
  },
});

runStoreConformanceTests({
  name: 'sqlite (:memory:)',
  capabilities: { sharedBudget: true, pruneBuckets: true },
  createStore: () => createSqliteStore({ filename: ':memory:' }),
});
