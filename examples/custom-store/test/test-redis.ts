import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, it } from 'vitest';

/**
 * Where the Redis tests run: CLICKPESA_TEST_REDIS_URL, or redis://127.0.0.1:6379 when it is unset.
 * In CI (CI=true) an unreachable Redis fails the run; elsewhere the tests skip with a message saying
 * which variable to set. Each run works under its own key prefix and deletes its keys afterwards.
 */
export const REDIS_URL_VARIABLE = 'CLICKPESA_TEST_REDIS_URL';

export type TestRedis = { url: string; skipReason?: undefined } | { url?: undefined; skipReason: string };

export async function findTestRedis(): Promise<TestRedis> {
  const url = process.env[REDIS_URL_VARIABLE] || 'redis://127.0.0.1:6379';
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let cause: Error | undefined; // ioredis rejects with "Connection is closed."; the 'error' event says why
  probe.on('error', (error: Error) => {
    cause ??= error;
  });
  try {
    await probe.connect();
    await probe.ping();
    return { url };
  } catch (error) {
    const message = `Redis at ${url} is unreachable (${(cause ?? (error as Error)).message}): start it or set ${REDIS_URL_VARIABLE}`;
    if (process.env.CI === 'true') throw new Error(`${message}; CI requires it`);
    console.warn(`[example-custom-store] skipped: ${message}`);
    return { skipReason: `${message}; the Redis store tests are skipped` };
  } finally {
    probe.disconnect();
  }
}

/** A key prefix no other test run uses. */
export function uniquePrefix(label: string): string {
  return `cpk-test:${label}:${process.pid}-${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under `prefix` (SCAN, never KEYS: it would block a shared server). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** Registers a skipped block that says why (no Redis outside CI), so the skip shows in the report. */
export function describeSkipped(title: string, reason: string): void {
  describe.skip(`${title} — ${reason}`, () => {
    it.skip(reason, () => {});
  });
}
