/**
 * The verdicts of the "many instances" run, as pure functions over the sandbox's request log (the ground
 * truth for upstream calls) and the store's rows. Each returns the offending items, so a failure shows them.
 */
import type { PaymentStatus } from '@clickpesa-kit/core';
import type { StoredEvent } from '@clickpesa-kit/core/store';
import type { RequestLogEntry, SandboxPayment } from '@clickpesa-kit/sandbox';

const API_ENDPOINTS: ReadonlySet<string> = new Set(['token', 'preview', 'initiate', 'query', 'list']);

/** The calls that count against ClickPesa's limit (the sandbox also logs its control API and phone page). */
export function providerCalls(log: readonly RequestLogEntry[]): RequestLogEntry[] {
  return log.filter((entry) => API_ENDPOINTS.has(entry.endpoint)).sort((a, b) => a.at - b.at);
}

/** The most calls that arrived within any `windowMs` (sliding: [t, t + windowMs) for every arrival t). */
export function busiestWindow(
  calls: readonly { at: number }[],
  windowMs: number,
): { count: number; startsAt: number | null } {
  const times = calls.map((call) => call.at).sort((a, b) => a - b);
  let best = { count: 0, startsAt: null as number | null };
  let end = 0;
  for (let start = 0; start < times.length; start++) {
    while (end < times.length && times[end]! < times[start]! + windowMs) end++;
    if (end - start > best.count) best = { count: end - start, startsAt: times[start]! };
  }
  return best;
}

/** Order references ClickPesa was asked to push more than once. */
export function initiatedTwice(calls: readonly RequestLogEntry[]): Record<string, number> {
  const counts = countBy(
    calls.filter((call) => call.endpoint === 'initiate').map((call) => call.orderReference),
  );
  return Object.fromEntries(Object.entries(counts).filter(([, count]) => count > 1));
}

export interface CloseQueries {
  orderReference: string;
  earlierAt: number;
  laterAt: number;
  gapMs: number;
}

/**
 * Per-reference status queries that came closer together than `minGapMs`: two queries for one due time.
 * `excused` lets the caller set aside pairs with a known, legitimate cause.
 */
export function queriesTooClose(
  calls: readonly RequestLogEntry[],
  minGapMs: number,
  excused: (pair: CloseQueries) => boolean,
): CloseQueries[] {
  const byReference = new Map<string, number[]>();
  for (const call of calls) {
    if (call.endpoint !== 'query' || call.orderReference === undefined) continue;
    const times = byReference.get(call.orderReference) ?? [];
    times.push(call.at);
    byReference.set(call.orderReference, times);
  }
  const close: CloseQueries[] = [];
  for (const [orderReference, times] of byReference) {
    times.sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) {
      const pair = {
        orderReference,
        earlierAt: times[i - 1]!,
        laterAt: times[i]!,
        gapMs: times[i]! - times[i - 1]!,
      };
      if (pair.gapMs < minGapMs && !excused(pair)) close.push(pair);
    }
  }
  return close;
}

/** The status the store must end in, given what the sandbox ("ClickPesa") knows about the reference. */
export function expectedStatus(truth: SandboxPayment | undefined): PaymentStatus | 'unresolved' {
  // never pushed (initiate 400, or the instance died before sending it): failed once ClickPesa denies it
  if (truth === undefined) return 'failed';
  if (truth.status === 'SUCCESS' || truth.status === 'SETTLED') return 'success';
  if (truth.status === 'FAILED') return 'failed';
  return 'unresolved';
}

const STATUS_EVENT: Readonly<Record<Exclude<PaymentStatus, 'pending'>, string>> = {
  processing: 'payment.processing',
  success: 'payment.succeeded',
  failed: 'payment.failed',
  cancelled: 'payment.cancelled',
  reversed: 'payment.reversed',
};

/**
 * One payment's stored events against "exactly one event per applied transition": one `payment.created`
 * first; every status change is a `payment.status_changed` immediately followed by its status's own event
 * (same from/to); the changes chain from `pending` to the final status without a repeat; seq has no gaps.
 */
export function eventProblems(
  payment: { id: string; status: PaymentStatus },
  events: StoredEvent[],
): string[] {
  const problems: string[] = [];
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  const say = (message: string) => problems.push(`${payment.id}: ${message}`);
  sorted.forEach((event, index) => {
    if (event.seq !== index + 1) say(`seq ${event.seq} at position ${index + 1}`);
  });
  const counts = countBy(sorted.map((event) => event.type));
  if (sorted[0]?.type !== 'payment.created' || counts['payment.created'] !== 1) {
    say(`payment.created ${counts['payment.created'] ?? 0} times, first event ${sorted[0]?.type}`);
  }
  for (const type of Object.values(STATUS_EVENT)) {
    if ((counts[type] ?? 0) > 1) say(`${type} stored ${counts[type]} times`);
  }
  let status: PaymentStatus = 'pending';
  const seen = new Set<PaymentStatus>([status]);
  sorted.forEach((event, index) => {
    if (event.type !== 'payment.status_changed') return;
    const { from, to } = event.data as { from?: PaymentStatus; to?: PaymentStatus };
    if (from !== status || to === undefined || to === 'pending') {
      say(`status_changed ${from}→${to} while the chain was at ${status}`);
      return;
    }
    if (seen.has(to)) say(`status_changed into ${to} twice`);
    const own = sorted[index + 1];
    const ownData = own?.data as { from?: string; to?: string } | undefined;
    if (own?.type !== STATUS_EVENT[to] || ownData?.from !== from || ownData?.to !== to) {
      say(`status_changed ${from}→${to} not followed by its ${STATUS_EVENT[to]}`);
    }
    seen.add(to);
    status = to;
  });
  const changes = counts['payment.status_changed'] ?? 0;
  const statusEvents = Object.values(STATUS_EVENT).reduce((sum, type) => sum + (counts[type] ?? 0), 0);
  if (changes !== statusEvents) say(`${changes} status_changed events but ${statusEvents} status events`);
  if (status !== payment.status) say(`events end at ${status}, the payment is ${payment.status}`);
  return problems;
}

/** Ids that occur more than once. */
export function duplicates(ids: readonly string[]): string[] {
  return Object.entries(countBy(ids))
    .filter(([, count]) => count > 1)
    .map(([id]) => id);
}

function countBy(keys: readonly (string | undefined)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of keys) if (key !== undefined) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
}
