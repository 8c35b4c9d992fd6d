import type { Random } from '../domain/schedule.js';

/**
 * A small deterministic random source (mulberry32) for the poll schedule's jitter: with a fixed seed, tests
 * and benchmarks get the same next-poll times on every run. Not for anything secret.
 */
export function createSeededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
