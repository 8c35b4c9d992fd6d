import type { PaymentStore } from '@clickpesa-kit/core';
import { afterEach, beforeEach, expect } from 'vitest';

export interface StoreConformanceOptions {
  /** Shown in the suite title ("memory", "sqlite", ...). */
  name: string;
  /** A fresh, empty store for one test. Called before every test. */
  createStore: () => Promise<PaymentStore> | PaymentStore;
  /** Cleans up after a test (drop the schema, delete the file). Receives the store, already closed. */
  destroyStore?: (store: PaymentStore) => Promise<void> | void;
  /**
   * A second instance over the SAME storage as `store` (another connection or pool), to race as a second
   * process would. Closed by the suite before `store`. Without it, the races run against the one instance.
   */
  createPeer?: (store: PaymentStore) => Promise<PaymentStore> | PaymentStore;
  /** How many concurrent callers the races use. Default 100 (webhook deliveries: half of it). */
  concurrency?: number;
  /**
   * The optional parts of the contract this store has, so the suite registers their tests (and fails if
   * the store then lacks them): `sharedBudget` for `store.budget` (token buckets every instance shares: the
   * provider budget and the push limits), `pruneBuckets` for `budget.prune`. Default: neither.
   */
  capabilities?: { sharedBudget?: boolean; pruneBuckets?: boolean };
}

/** What every test block gets: the current test's store and how to make its peers. */
export interface StoreHarness {
  readonly options: StoreConformanceOptions;
  readonly concurrency: number;
  /** The store of the running test. */
  store(): PaymentStore;
  /** A second instance over the same storage (the store itself when the implementation offers none). */
  peer(): Promise<PaymentStore>;
  /** Closes the test's store now (the suite then skips its own close). */
  closeStore(): Promise<void>;
}

/** Registers the per-test lifecycle in the current `describe` and returns the handle tests use. */
export function createHarness(options: StoreConformanceOptions): StoreHarness {
  let current: PaymentStore | null = null;
  let closed = false;
  const peers: PaymentStore[] = [];

  beforeEach(async () => {
    current = await options.createStore();
    closed = false;
  });

  afterEach(async () => {
    const store = current;
    current = null;
    for (const peer of peers.splice(0)) await peer.close();
    if (!store) return;
    if (!closed) await store.close();
    await options.destroyStore?.(store);
  });

  return {
    options,
    concurrency: Math.max(2, options.concurrency ?? 100),
    store() {
      expect(current, 'the store of this test').not.toBeNull();
      return current as PaymentStore;
    },
    async peer() {
      const store = this.store();
      if (!options.createPeer) return store;
      const peer = await options.createPeer(store);
      peers.push(peer);
      return peer;
    },
    async closeStore() {
      closed = true;
      await this.store().close();
    },
  };
}

/** Asserts a promise rejects with a ClickPesaKitError-shaped error of `code` (duck-typed: dual builds may differ). */
export async function expectStoreError(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code });
}

/** Current time rounded to the millisecond, minus `agoMs` (what every store keeps exactly). */
export function msAgo(agoMs: number, from: number = Date.now()): Date {
  return new Date(from - agoMs);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
