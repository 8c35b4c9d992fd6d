import type { PaymentRecord, ProviderPayment } from '../domain/payment.js';
import { pickAuthoritative } from '../domain/status-map.js';

/**
 * Reading one page of `GET /payments/all` (newest first by createdAt) against the payments we hold:
 * which ones the page answers, which ones it should have shown but did not (ask by reference), and which
 * ones are older than the page (a further page, or by reference).
 */
export interface PageCoverage {
  /** paymentId → ClickPesa's authoritative record for its current order reference. */
  found: Map<string, ProviderPayment>;
  /** Inside the page's time range but absent: not (yet) visible in the list; only a query can tell. */
  absent: string[];
  /** Older than the page's oldest entry: a later page would show them. */
  older: string[];
  /** Newer than the page's newest entry (only possible on later pages): the next sweep's first page has them. */
  newer: string[];
}

export interface PageShape {
  records: readonly ProviderPayment[];
  /** The page held `limit` records, so older ones exist beyond it. */
  full: boolean;
  /**
   * The newest creation time this page answers for: +Infinity for the first page (skip 0), else the previous
   * page's oldest entry (pages only shift towards older entries as payments are created, so they overlap).
   */
  coversUpTo: number;
}

export interface PageCoverageResult extends PageCoverage {
  /** The oldest creation time on the page (the next page's `coversUpTo`); null when no date was readable. */
  oldestCreatedAt: number | null;
}

/** How far our clock and ClickPesa's may disagree when we only know our own creation time. */
export const DEFAULT_CLOCK_SKEW_MS = 2 * 60_000;

export function coverPage(
  page: PageShape,
  payments: readonly Pick<PaymentRecord, 'id' | 'orderReference' | 'attemptStartedAt' | 'providerStatus'>[],
  skewMs: number = DEFAULT_CLOCK_SKEW_MS,
): PageCoverageResult {
  const byReference = new Map<string, ProviderPayment[]>();
  let oldest = Number.POSITIVE_INFINITY;
  for (const record of page.records) {
    const list = byReference.get(record.orderReference);
    if (list) list.push(record);
    else byReference.set(record.orderReference, [record]);
    const created = parseTime(record.createdAt);
    if (created !== null) oldest = Math.min(oldest, created);
  }
  // A page without readable dates still answers for the references it holds, and for nothing else.
  const datesKnown = Number.isFinite(oldest);
  const lower = page.full ? oldest : Number.NEGATIVE_INFINITY;
  const upper = page.coversUpTo;

  const coverage: PageCoverageResult = {
    found: new Map(),
    absent: [],
    older: [],
    newer: [],
    oldestCreatedAt: datesKnown ? oldest : null,
  };
  for (const payment of payments) {
    const records = byReference.get(payment.orderReference);
    const record = records ? pickAuthoritative(records) : null;
    if (record) {
      coverage.found.set(payment.id, record);
      continue;
    }
    if (!datesKnown && page.full) {
      coverage.older.push(payment.id);
      continue;
    }
    const providerCreated = parseTime(
      payment.providerStatus?.orderReference === payment.orderReference
        ? payment.providerStatus.createdAt
        : undefined,
    );
    // ClickPesa's own timestamp compares exactly; ours only with a margin for clock skew
    const created = providerCreated ?? payment.attemptStartedAt.getTime();
    const margin = providerCreated === null ? skewMs : 0;
    if (created - margin <= lower) coverage.older.push(payment.id);
    else if (created + margin >= upper) coverage.newer.push(payment.id);
    else coverage.absent.push(payment.id);
  }
  return coverage;
}

/** A ClickPesa timestamp in ms; null when absent or unreadable. */
export function parseTime(value: string | undefined): number | null {
  if (value === undefined) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : time;
}
