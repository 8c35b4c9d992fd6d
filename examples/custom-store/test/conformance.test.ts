import { runStoreConformanceTests } from '@clickpesa-kit/store-tests';
import { Redis } from 'ioredis';
import { afterAll, expect } from 'vitest';
import { createRedisStore, type RedisStore } from '../src/index.js';
import { deleteKeys, describeSkipped, findTestRedis, uniquePrefix } from './test-redis.js';

const redis = await findTestRedis();

if (redis.url === undefined) {
  describeSkipped('PaymentStore conformance: redis', redis.skipReason);
} else {
  const url = redis.url;
  const runPrefix = uniquePrefix('conformance');
  const admin = new Redis(url);
  let testCount = 0;

  afterAll(async () => {
    // Every test deletes its own keys; this catches any a failed test left behind.
    await deleteKeys(admin, runPrefix);
    await admin.quit();
  });

  // Each test gets its own prefix (an empty store); the peer is a second connection on the same prefix,
  // so the races run across two clients as they would across two processes.
  runStoreConformanceTests({
    name: 'redis',
    // buckets expire by TTL (the take script sets it), so there is no prune
    capabilities: { sharedBudget: true },
    createStore: () => createRedisStore({ redis: url, prefix: `${runPrefix}${++testCount}:` }),
    createPeer: (store) => createRedisStore({ redis: url, prefix: (store as RedisStore).prefix }),
    destroyStore: async (store) => {
      await deleteKeys(admin, (store as RedisStore).prefix);
      expect(await admin.scan('0', 'MATCH', `${(store as RedisStore).prefix}*`)).toEqual(['0', []]);
    },
  });
}
