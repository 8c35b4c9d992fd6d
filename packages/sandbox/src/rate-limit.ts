import type { RateLimitOptions } from './types.js';

/** All API endpoints share one budget, like ClickPesa's per-IP limit. */
export class RateLimiter {
  private hits: number[] = [];
  private windowStart = 0;
  private windowCount = 0;

  constructor(
    private readonly now: () => number,
    private readonly options: () => RateLimitOptions | undefined,
  ) {}

  /** Records a call; returns undefined when allowed, else the Retry-After in whole seconds. */
  hit(): number | undefined {
    const limits = this.options();
    if (!limits) return undefined;
    const now = this.now();
    return limits.mode === 'fixed' ? this.fixed(limits, now) : this.sliding(limits, now);
  }

  reset(): void {
    this.hits = [];
    this.windowStart = 0;
    this.windowCount = 0;
  }

  private sliding({ limit, windowMs }: RateLimitOptions, now: number): number | undefined {
    this.hits = this.hits.filter((at) => at > now - windowMs);
    if (this.hits.length < limit) {
      this.hits.push(now);
      return undefined;
    }
    // The call is allowed again once the oldest counted call leaves the window.
    return toSeconds((this.hits[0] ?? now) + windowMs - now);
  }

  private fixed({ limit, windowMs }: RateLimitOptions, now: number): number | undefined {
    if (now >= this.windowStart + windowMs) {
      this.windowStart = now - (now % windowMs);
      this.windowCount = 0;
    }
    if (this.windowCount < limit) {
      this.windowCount++;
      return undefined;
    }
    return toSeconds(this.windowStart + windowMs - now);
  }
}

function toSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
