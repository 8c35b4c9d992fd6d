/**
 * Token buckets kept in this process: the fallback for limits when the store has no shared bucket (the
 * memory store) or cannot be reached. Same arithmetic as the stores' shared buckets: `capacity` tokens,
 * refilled at `capacity` per `intervalMs`; `take` answers 0 when granted, else the ms until a token is.
 * At most `maxBuckets` are kept: full buckets (the same as absent) go first, then the least recently used.
 */
export interface LocalTokenBuckets {
  take(name: string, capacity: number, intervalMs: number, now: Date): number;
  /** How many buckets are held (for tests of the memory bound). */
  readonly size: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
  capacity: number;
  ratePerMs: number;
}

export function createLocalTokenBuckets(maxBuckets = 10_000): LocalTokenBuckets {
  const buckets = new Map<string, Bucket>();

  const refilled = (bucket: Bucket, now: number) =>
    Math.min(bucket.capacity, bucket.tokens + Math.max(0, now - bucket.updatedAt) * bucket.ratePerMs);

  const makeRoom = (now: number) => {
    for (const [name, bucket] of buckets) {
      if (refilled(bucket, now) >= bucket.capacity) buckets.delete(name);
    }
    // still full of live buckets: drop the least recently used (Map order is insertion order)
    for (const name of buckets.keys()) {
      if (buckets.size < maxBuckets) break;
      buckets.delete(name);
    }
  };

  return {
    get size() {
      return buckets.size;
    },
    take(name, capacity, intervalMs, nowDate) {
      const now = nowDate.getTime();
      const ratePerMs = capacity / intervalMs;
      let bucket = buckets.get(name);
      if (bucket) {
        bucket.tokens = refilled(bucket, now);
        bucket.updatedAt = Math.max(now, bucket.updatedAt);
        bucket.capacity = capacity;
        bucket.ratePerMs = ratePerMs;
        buckets.delete(name);
      } else {
        if (buckets.size >= maxBuckets) makeRoom(now);
        bucket = { tokens: capacity, updatedAt: now, capacity, ratePerMs };
      }
      buckets.set(name, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerMs));
    },
  };
}
