import { createServer } from 'node:net';
import { makeEvent, makePayment } from '@clickpesa-kit/store-tests';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createRedisStore, type RedisStore } from '../src/index.js';
import { deleteKeys, describeSkipped, findTestRedis, uniquePrefix } from './test-redis.js';

/** What the conformance suite does not cover: the budget's expiry, connections, prefixes, script loading. */

const redis = await findTestRedis();

describe('createRedisStore without a reachable Redis', () => {
  it('answers STORE_UNAVAILABLE (not a hang, not a raw ioredis error)', async () => {
    const store = createRedisStore({ redis: `redis://127.0.0.1:${await closedPort()}`, prefix: 'unused:' });
    try {
      await expect(store.ping()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      await expect(store.createPayment({ payment: makePayment() })).rejects.toMatchObject({
        code: 'STORE_UNAVAILABLE',
      });
    } finally {
      await store.close();
    }
  });

  it('refuses an ioredis client with keyPrefix (its scripts would write outside that prefix)', () => {
    const client = new Redis({ lazyConnect: true, keyPrefix: 'app:' });
    expect(() => createRedisStore({ redis: client })).toThrow(/keyPrefix/);
    client.disconnect();
  });
});

if (redis.url === undefined) {
  describeSkipped('RedisStore', redis.skipReason);
} else {
  const url = redis.url;
  const runPrefix = uniquePrefix('store');
  const admin = new Redis(url);
  const opened: RedisStore[] = [];
  let count = 0;
  const open = (prefix = `${runPrefix}${++count}:`, client: Redis | string = url) => {
    const store = createRedisStore({ redis: client, prefix });
    opened.push(store);
    return store;
  };

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });
  afterAll(async () => {
    await deleteKeys(admin, runPrefix);
    await admin.quit();
  });

  describe('RedisStore', () => {
    it('keeps stores with different prefixes apart on one Redis', async () => {
      const a = open();
      const b = open();
      const payment = makePayment();
      await a.createPayment({ payment });

      expect((await a.getPayment(payment.id))?.id).toBe(payment.id);
      expect(await b.getPayment(payment.id)).toBeNull();
      expect(await b.getPaymentByOrderReference(payment.orderReference)).toBeNull();
      // the same order reference is free under the other prefix
      expect((await b.createPayment({ payment: { ...payment } })).kind).toBe('created');
    });

    it('writes every key under its prefix', async () => {
      const store = open();
      const payment = makePayment({ nextPollAt: new Date(), transactionId: 'TX-PREFIX' });
      await store.createPayment({ payment, events: [makeEvent()] });
      await store.budget.take('query', 1, 1_000, new Date());

      const all = await scanAll(admin, '*');
      const mine = all.filter((key) => key.startsWith(store.prefix));
      expect(mine.length).toBeGreaterThanOrEqual(6);
      expect(all.filter((key) => key.includes(payment.id) && !key.startsWith(store.prefix))).toEqual([]);
    });

    it('leaves a client it was given open on close, and refuses calls after close', async () => {
      const client = new Redis(url);
      try {
        const store = open(undefined, client);
        await store.ping();
        await store.close();
        await expect(store.ping()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
        expect(await client.ping()).toBe('PONG');
      } finally {
        await client.quit();
      }
    });

    it('reloads its scripts when the server forgot them (SCRIPT FLUSH, restart)', async () => {
      const store = open();
      const payment = makePayment();
      await store.createPayment({ payment });
      await admin.script('FLUSH');

      const result = await store.transition({
        paymentId: payment.id,
        expectedVersion: 1,
        changes: { status: 'processing' },
      });
      expect(result.applied).toBe(true);
      expect((await store.getPayment(payment.id))?.version).toBe(2);
    });

    describe('shared budget (token bucket)', () => {
      const t0 = Date.UTC(2026, 0, 5, 10);

      it('grants `capacity` tokens, then says how long to wait, and refills over the interval', async () => {
        const store = open();
        const take = (atMs: number) => store.budget.take('query', 2, 1_000, new Date(t0 + atMs));

        expect(await take(0)).toBe(0);
        expect(await take(0)).toBe(0);
        expect(await take(0)).toBe(500); // 2 per 1000 ms: one token every 500 ms
        expect(await take(200)).toBe(300);
        expect(await take(500)).toBe(0);
        expect(await take(500)).toBe(500);
        expect(await take(10_000)).toBe(0); // refilled, but never above capacity
        expect(await take(10_000)).toBe(0);
        expect(await take(10_000)).toBeGreaterThan(0);
      });

      it('keeps buckets apart by name', async () => {
        const store = open();
        expect(await store.budget.take('a', 1, 1_000, new Date(t0))).toBe(0);
        expect(await store.budget.take('a', 1, 1_000, new Date(t0))).toBe(1_000);
        expect(await store.budget.take('b', 1, 1_000, new Date(t0))).toBe(0);
      });

      it('never hands out more than capacity to concurrent takers on two connections', async () => {
        const store = open();
        const peer = open(store.prefix);
        const results = await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            (i % 2 ? peer : store).budget.take('initiate', 5, 60_000, new Date(t0)),
          ),
        );
        expect(results.filter((wait) => wait === 0)).toHaveLength(5);
      });

      it('lets Redis drop a bucket once it would be full again (one per phone number would pile up)', async () => {
        const store = open();
        await store.budget.take('limit:phone:255712000001', 3, 600_000, new Date(t0));
        const ttl = await admin.pttl(`${store.prefix}budget:limit:phone:255712000001`);
        expect(ttl).toBeGreaterThan(600_000);
        expect(ttl).toBeLessThanOrEqual(601_000);
      });
    });
  });
}

/** A port nothing listens on: bind one, then close it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function scanAll(client: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}
