import { afterEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index.js';
import { clickpesa } from './helpers.js';

let sb: Sandbox;
afterEach(() => sb?.close());

describe('rate limit (all endpoints share one budget)', () => {
  it('sliding window: 429 "Too many requests" with Retry-After in seconds, until the oldest call ages out', async () => {
    let now = 1_800_000_000_000;
    sb = await startSandbox({ rateLimit: { limit: 3, windowMs: 60_000 }, now: () => now });
    const api = clickpesa(sb);
    const token = await api.token(); // call 1 at t=0
    now += 10_000;
    expect((await api.get('/payments/all', token)).status).toBe(200); // call 2 at t=10s
    expect((await api.query('ANY1')).status).toBe(404); // call 3
    const limited = await api.get('/payments/all', token);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ message: 'Too many requests' });
    expect(limited.headers.get('retry-after')).toBe('50');
    now += 50_000; // the token call leaves the window
    expect((await api.get('/payments/all', token)).status).toBe(200);
    expect((await api.get('/payments/all', token)).status).toBe(429);
  });

  it('fixed window: resets at the window boundary', async () => {
    let now = 1_800_000_000_000; // a multiple of 60 s
    sb = await startSandbox({ rateLimit: { limit: 2, windowMs: 60_000, mode: 'fixed' }, now: () => now });
    const api = clickpesa(sb);
    await api.token();
    now += 45_000;
    expect((await api.query('A1')).status).toBe(404);
    const limited = await api.query('A1');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('15');
    now += 15_000;
    expect((await api.query('A1')).status).toBe(404);
  });

  it('does not count the control API or the phone page, and is off by default', async () => {
    sb = await startSandbox({ rateLimit: { limit: 1, windowMs: 60_000 } });
    for (let i = 0; i < 3; i++) expect((await fetch(`${sb.origin}/__sandbox/payments`)).status).toBe(200);
    expect((await clickpesa(sb).generateToken()).status).toBe(200);
    await sb.close();

    sb = await startSandbox();
    const api = clickpesa(sb);
    for (let i = 0; i < 30; i++) expect((await api.query('A1')).status).toBe(404);
  });

  it('can be switched on at runtime', async () => {
    sb = await startSandbox();
    const api = clickpesa(sb);
    await api.token();
    sb.configure({ rateLimit: { limit: 1, windowMs: 60_000 } });
    expect((await api.query('A1')).status).toBe(404);
    expect((await api.query('A1')).status).toBe(429);
    sb.configure({ rateLimit: undefined });
    expect((await api.query('A1')).status).toBe(404);
  });
});
