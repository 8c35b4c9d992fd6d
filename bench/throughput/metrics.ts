import type { RequestLogEntry } from '@clickpesa-kit/sandbox';
import type { PaymentTrace, Scenario } from './scenario.js';

const API_ENDPOINTS = new Set(['token', 'preview', 'initiate', 'query', 'list']);

export interface RunResult {
  name: string;
  offered: number;
  completed: number;
  /** Completions per simulated minute between the warm-up and the end of the offer window. */
  completedPerMinute: number;
  providerCalls: number;
  callsPerCompleted: number;
  callsByEndpoint: Record<string, number>;
  /** Approval → the page (or, without pages, the server) knowing of the success, simulated seconds. */
  latency: { p50: number; p95: number; max: number };
  /** Approval → the server's success, simulated seconds. */
  serverLatency: { p50: number; p95: number; max: number };
  /** Approved by the customer but not (yet) success for us at the end. */
  unresolved: number;
  rateLimited: number;
  /** Most provider calls inside any 60 s (simulated) window. */
  peakPerMinute: number;
}

export function summarise(
  name: string,
  scenario: Scenario,
  traces: PaymentTrace[],
  log: RequestLogEntry[],
  start: number,
): RunResult {
  const calls = log.filter((entry) => API_ENDPOINTS.has(entry.endpoint));
  const callsByEndpoint: Record<string, number> = {};
  for (const call of calls) callsByEndpoint[call.endpoint] = (callsByEndpoint[call.endpoint] ?? 0) + 1;
  const completed = traces.filter((t) => t.succeededAt !== null);
  const windowStart = start + scenario.warmupMinutes * 60_000;
  const windowEnd = start + scenario.offerMinutes * 60_000;
  const inWindow = completed.filter(
    (t) => t.succeededAt! >= windowStart && t.succeededAt! < windowEnd,
  ).length;
  const latencies = quantiles(completed, (t) => t.knownAt);
  const serverLatencies = quantiles(completed, (t) => t.succeededAt);
  return {
    name,
    offered: traces.length,
    completed: completed.length,
    completedPerMinute: inWindow / (scenario.offerMinutes - scenario.warmupMinutes),
    providerCalls: calls.length,
    callsPerCompleted: completed.length === 0 ? Number.POSITIVE_INFINITY : calls.length / completed.length,
    callsByEndpoint,
    latency: latencies,
    serverLatency: serverLatencies,
    unresolved: traces.filter((t) => t.approvedAt !== null && t.succeededAt === null).length,
    rateLimited: calls.filter((call) => call.status === 429).length,
    peakPerMinute: peak(
      calls.map((call) => call.at),
      60_000,
    ),
  };
}

/** Approval → `at(trace)` for approved payments, in seconds; a payment whose page never knew counts as the maximum. */
function quantiles(completed: PaymentTrace[], at: (trace: PaymentTrace) => number | null) {
  const sorted = completed
    .filter((t) => t.approvedAt !== null)
    .map((t) => {
      const time = at(t);
      return time === null ? Number.POSITIVE_INFINITY : Math.max(0, time - t.approvedAt!) / 1_000;
    })
    .sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), max: sorted.at(-1) ?? Number.NaN };
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function peak(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}
