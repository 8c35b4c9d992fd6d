import type { IncomingHttpHeaders } from 'node:http';
import type { EndpointClass, RequestLogEntry } from './types.js';

const SECRET_HEADERS = new Set(['authorization', 'api-key', 'cookie', 'proxy-authorization']);

export function redactHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const redacted: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    redacted[name] = SECRET_HEADERS.has(name)
      ? '[redacted]'
      : Array.isArray(value)
        ? value.join(', ')
        : value;
  }
  return redacted;
}

/** A long-running CLI sandbox keeps only the newest entries; tests stay far below this. */
export const MAX_LOG_ENTRIES = 100_000;
const TRIM_BATCH = 1_000;

export class RequestLog {
  private entries: RequestLogEntry[] = [];

  constructor(private readonly onEntry?: (entry: RequestLogEntry) => void) {}

  /** Logs a request as it arrives (status 0), so calls still in flight are counted too. */
  open(entry: RequestLogEntry): void {
    this.entries.push(entry);
    if (this.entries.length > MAX_LOG_ENTRIES + TRIM_BATCH) this.entries.splice(0, TRIM_BATCH);
  }

  /** The answer went out (or the connection was cut): tell the observer. */
  close(entry: RequestLogEntry): void {
    try {
      this.onEntry?.(entry);
    } catch {
      // A failing observer must not break the request that is being answered.
    }
  }

  list(): RequestLogEntry[] {
    return this.entries.map((entry) => ({ ...entry, headers: { ...entry.headers } }));
  }

  count(endpoint: EndpointClass | '*', orderReference?: string): number {
    return this.entries.filter(
      (entry) =>
        (endpoint === '*' || entry.endpoint === endpoint) &&
        (orderReference === undefined || entry.orderReference === orderReference),
    ).length;
  }

  clear(): void {
    this.entries = [];
  }
}
