/**
 * How long ClickPesa asks us to wait (POLL-6): a `Retry-After` header (RFC 9110: delta-seconds
 * or an HTTP-date) or ClickPesa's own "retry after N seconds" message (F9). Garbage yields `undefined`, so the
 * caller falls back to jittered backoff.
 */

const DELTA_SECONDS = /^\s*(\d{1,10})\s*$/;
// HTTP-dates always name a weekday or month; requiring letters keeps Date.parse from reading "2024" as a year
const LOOKS_LIKE_HTTP_DATE = /[A-Za-z]{3}.*\d{1,2}:\d{2}:\d{2}/;
const COOLDOWN_MESSAGE = /(?:retry|try again)\s+(?:after|in)\s+(\d{1,7})\s*(?:s\b|secs?\b|seconds?\b)/i;

/** Milliseconds to wait from `nowMs`, or undefined when the header is missing or unreadable. */
export function parseRetryAfter(
  header: string | readonly string[] | undefined,
  nowMs: number,
): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (typeof value !== 'string' || value.trim() === '') return undefined;

  const delta = DELTA_SECONDS.exec(value);
  if (delta) return Number(delta[1]) * 1000;

  if (!LOOKS_LIKE_HTTP_DATE.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Milliseconds from a cooldown message such as "Please retry after 37 seconds", else undefined. */
export function parseCooldownMessage(message: string | undefined): number | undefined {
  if (!message) return undefined;
  const match = COOLDOWN_MESSAGE.exec(message);
  return match ? Number(match[1]) * 1000 : undefined;
}

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  random: () => number;
}

/** Capped exponential backoff with full jitter: random(0, min(cap, base·2^retry)). `retry` counts from 0. */
export function fullJitterBackoff(retry: number, options: BackoffOptions): number {
  return Math.floor(options.random() * exponentialCeiling(retry, options));
}

/** The un-jittered ceiling of {@link fullJitterBackoff}, used when a pause length must be announced. */
export function exponentialCeiling(retry: number, options: Pick<BackoffOptions, 'baseMs' | 'capMs'>): number {
  return Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, retry));
}
