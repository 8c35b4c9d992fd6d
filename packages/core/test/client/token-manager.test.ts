import { describe, expect, it } from 'vitest';
import { TokenManager, toAuthorizationValue } from '../../src/client/token-manager.js';

function manager(ttlMs = 1_000) {
  let now = 0;
  let fetches = 0;
  let release: (() => void) | undefined;
  const tokens = new TokenManager({
    ttlMs,
    now: () => now,
    fetchToken: async () => {
      fetches += 1;
      const id = fetches;
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return `Bearer t${id}`;
    },
  });
  return {
    tokens,
    advance: (ms: number) => {
      now += ms;
    },
    fetches: () => fetches,
    release: () => release?.(),
  };
}

describe('toAuthorizationValue (F-AUTH-3)', () => {
  it.each([
    ['Bearer abc.def', 'Bearer abc.def'],
    ['abc.def', 'Bearer abc.def'],
    ['  abc  ', 'Bearer abc'],
    ['bearer abc', 'bearer abc'],
    ['Bearerabc', 'Bearer Bearerabc'],
  ])('%j → %j', (input, expected) => {
    expect(toAuthorizationValue(input)).toBe(expected);
  });
});

describe('TokenManager', () => {
  it('shares one refresh between concurrent callers and caches until the TTL', async () => {
    const m = manager();
    const waiting = Array.from({ length: 50 }, () => m.tokens.get());
    expect(m.tokens.state().refreshing).toBe(true);
    m.release();
    expect(new Set(await Promise.all(waiting))).toEqual(new Set(['Bearer t1']));
    expect(m.fetches()).toBe(1);
    expect(m.tokens.state()).toEqual({ hasToken: true, expiresAt: 1_000, issued: 1, refreshing: false });

    m.advance(999);
    expect(await m.tokens.get()).toBe('Bearer t1');
    m.advance(1);
    const next = m.tokens.get();
    m.release();
    expect(await next).toBe('Bearer t2');
    expect(m.fetches()).toBe(2);
  });

  it('invalidates only the token the caller saw rejected', async () => {
    const m = manager();
    const first = m.tokens.get();
    m.release();
    const stale = await first;
    m.tokens.invalidate(stale);
    const second = m.tokens.get();
    m.release();
    expect(await second).toBe('Bearer t2');
    // a late 401 for the old token must not drop the fresh one
    m.tokens.invalidate(stale);
    expect(await m.tokens.get()).toBe('Bearer t2');
    expect(m.fetches()).toBe(2);
  });

  it('lets the next caller retry after a failed refresh', async () => {
    let calls = 0;
    const tokens = new TokenManager({
      ttlMs: 1_000,
      now: () => 0,
      fetchToken: async () => {
        calls += 1;
        if (calls === 1) throw new Error('down');
        return 'Bearer ok';
      },
    });
    await expect(tokens.get()).rejects.toThrow('down');
    expect(tokens.state()).toMatchObject({ hasToken: false, refreshing: false, issued: 0 });
    expect(await tokens.get()).toBe('Bearer ok');
  });
});
