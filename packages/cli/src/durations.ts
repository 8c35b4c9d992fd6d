import { UsageError } from './exit-codes.js';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "10m", "24h", "7d" → milliseconds. */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d+)([smhd])$/.exec(text.trim());
  if (!match) throw new UsageError(`${option} must be a duration like 90s, 10m, 24h or 7d (got "${text}")`);
  return Number(match[1]) * UNITS[match[2]!]!;
}

/** A duration back from now ("24h") or an ISO 8601 instant ("2026-03-01T00:00:00Z"). */
export function parseInstant(text: string, option: string, now: Date): Date {
  if (/^\d+[smhd]$/.test(text.trim())) return new Date(now.getTime() - parseDuration(text, option));
  const at = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(at.getTime())) {
    throw new UsageError(`${option} must be a duration back from now (24h) or an ISO date (got "${text}")`);
  }
  return at;
}

/** How long ago, for people: "45s", "12m", "3h 5m", "2d 4h". */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}
