import type { ListPaymentsFilters } from '../client/types.js';
import { amountsEqual } from '../domain/amount.js';
import type { PaymentRecord, PaymentStatus, ProviderPayment } from '../domain/payment.js';
import { isSafeCorrection, statusAgrees } from '../domain/provider-agreement.js';
import { mapProviderStatus, pickAuthoritative } from '../domain/status-map.js';
import { ClickPesaKitError, type ErrorDetail } from '../errors.js';
import { describeError } from './audit.js';
import { fromStore, isStoreFailure, type ServiceContext } from './context.js';
import { applyQueried } from './refresh.js';

/** ClickPesa's own page size when none is asked for; the largest it accepts is not documented. */
export const DEFAULT_RECONCILE_PAGE_SIZE = 20;
const MAX_RECONCILE_PAGE_SIZE = 500;
/** A runaway guard: a provider that keeps answering full pages past its own totalCount. */
const MAX_PAGES = 10_000;
const DAY_MS = 86_400_000;

export interface ReconcileOptions {
  /** Compare ClickPesa's payments created from this instant. */
  since: Date;
  /** ... up to this one [now]. */
  until?: Date;
  /** Make the safe corrections (open payments moved to what ClickPesa reports) [false: report only]. */
  apply?: boolean;
  /** Records per `GET /payments/all` page [20, ClickPesa's default]; short pages are coped with. */
  pageSize?: number;
  /** Only ClickPesa records in this status (its `status` filter), e.g. "SUCCESS". */
  providerStatus?: string;
  /** Called after every page (progress bars). */
  onProgress?: (progress: ReconcileProgress) => void;
  signal?: AbortSignal;
}

export interface ReconcileProgress {
  pages: number;
  records: number;
  /** ClickPesa's `totalCount` for the filters, as its latest page said. */
  totalCount: number;
}

export type MismatchKind = 'missing_locally' | 'status_differs' | 'amount_differs';

/**
 * What happened about a mismatch: `applied` (the payment was moved), `unchanged` (the write path decided
 * nothing changes), `not_safe` (a final state, an earlier attempt or an unknown status: for a person),
 * `not_requested` (safe, but the run did not `apply`), `failed` (the write failed; see `note`), `none`
 * (nothing to correct locally: a missing payment or an amount).
 */
export type CorrectionOutcome = 'applied' | 'unchanged' | 'not_safe' | 'not_requested' | 'failed' | 'none';

export interface ReconciliationMismatch {
  kind: MismatchKind;
  orderReference: string;
  /** Our payment, null when it is missing locally. */
  paymentId: string | null;
  localStatus: PaymentStatus | null;
  /** ClickPesa's status string as it listed it. */
  providerStatus: string;
  localAmount: string | null;
  providerAmount: string | null;
  correction: CorrectionOutcome;
  /** The payment's status after a correction was attempted. */
  statusAfter?: PaymentStatus;
  note?: string;
}

/** The report as JSON: ISO dates, no secrets, no phone numbers. */
export interface ReconciliationReport {
  since: string;
  until: string;
  generatedAt: string;
  apply: boolean;
  pageSize: number;
  pages: number;
  /** ClickPesa records inside the window (after de-duplication). */
  providerRecords: number;
  /** Records whose payment agreed in state and amount. */
  matched: number;
  counts: Record<MismatchKind, number> & { corrected: number };
  mismatches: ReconciliationMismatch[];
}

export interface ReconciliationResult {
  report: ReconciliationReport;
  /** The same report for people (a Markdown document). */
  markdown: string;
}

/**
 * Compares our payments with ClickPesa's `GET /payments/all` for a time window and lists three kinds of
 * mismatch: present at ClickPesa but missing here, state differs, amount differs. With `apply`, only the safe
 * corrections are made (see {@link isSafeCorrection}), through the one write path with the source
 * `reconcile`. Every list call goes through the client, hence the provider budget (background priority).
 */
export async function reconcileWithProvider(
  ctx: ServiceContext,
  options: ReconcileOptions,
): Promise<ReconciliationReport> {
  const window = parseOptions(options, ctx.clock.now());
  const listed = await listWindow(ctx, window, options);
  const mismatches: ReconciliationMismatch[] = [];
  let matched = 0;
  for (const record of listed.records) {
    options.signal?.throwIfAborted();
    const payment = await fromStore(() => ctx.store.getPaymentByOrderReference(record.orderReference));
    const found = await compare(ctx, payment, record, window.apply);
    if (found.length === 0) matched++;
    mismatches.push(...found);
  }
  const count = (kind: MismatchKind) => mismatches.filter((mismatch) => mismatch.kind === kind).length;
  return {
    since: window.since.toISOString(),
    until: window.until.toISOString(),
    generatedAt: ctx.clock.now().toISOString(),
    apply: window.apply,
    pageSize: window.pageSize,
    pages: listed.pages,
    providerRecords: listed.records.length,
    matched,
    counts: {
      missing_locally: count('missing_locally'),
      status_differs: count('status_differs'),
      amount_differs: count('amount_differs'),
      corrected: mismatches.filter((mismatch) => mismatch.correction === 'applied').length,
    },
    mismatches,
  };
}

interface Window {
  since: Date;
  until: Date;
  apply: boolean;
  pageSize: number;
}

function parseOptions(options: ReconcileOptions, now: Date): Window {
  const details: ErrorDetail[] = [];
  const isDate = (value: unknown): value is Date => value instanceof Date && !Number.isNaN(value.getTime());
  if (!isDate(options?.since)) details.push({ field: 'since', message: 'must be a valid Date' });
  const until = options?.until ?? now;
  if (!isDate(until)) details.push({ field: 'until', message: 'must be a valid Date' });
  else if (isDate(options?.since) && options.since.getTime() > until.getTime()) {
    details.push({ field: 'since', message: 'must not be after until' });
  }
  const pageSize = options?.pageSize ?? DEFAULT_RECONCILE_PAGE_SIZE;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > MAX_RECONCILE_PAGE_SIZE) {
    details.push({ field: 'pageSize', message: `must be an integer from 1 to ${MAX_RECONCILE_PAGE_SIZE}` });
  }
  if (details.length > 0) {
    throw new ClickPesaKitError('VALIDATION_ERROR', { message: 'Invalid reconciliation options', details });
  }
  return { since: options.since, until, apply: options.apply === true, pageSize };
}

/**
 * Every record of the window, page by page. ClickPesa filters by calendar day (in its own time zone), so the
 * days around the window are asked for and records outside the exact instants are dropped here. Pages may be shorter than asked for (a server-side maximum): the next page starts
 * after what was actually received, until `totalCount` is reached or a page comes back empty. Records seen
 * twice (pages shift while payments are created) count once.
 */
async function listWindow(
  ctx: ServiceContext,
  window: Window,
  options: ReconcileOptions,
): Promise<{ records: ProviderPayment[]; pages: number }> {
  // ClickPesa's calendar day need not be UTC's: ask for a day more on each side, keep the exact window here
  const filters: ListPaymentsFilters = {
    startDate: new Date(window.since.getTime() - DAY_MS).toISOString().slice(0, 10),
    endDate: new Date(window.until.getTime() + DAY_MS).toISOString().slice(0, 10),
    sortBy: 'createdAt',
    orderBy: 'DESC',
    limit: window.pageSize,
  };
  if (options.providerStatus) filters.status = options.providerStatus;
  const byReference = new Map<string, Map<string, ProviderPayment>>();
  let skip = 0;
  let pages = 0;
  let records = 0;
  while (pages < MAX_PAGES) {
    const page = await ctx.client.listPayments(
      { ...filters, skip },
      { priority: 'background', ...(options.signal ? { signal: options.signal } : {}) },
    );
    pages++;
    for (const record of page.data) {
      if (!insideWindow(record, window)) continue;
      const attempts = byReference.get(record.orderReference) ?? new Map<string, ProviderPayment>();
      const key = record.id ?? `${record.status}|${record.createdAt ?? ''}`;
      if (!attempts.has(key)) records++;
      attempts.set(key, record);
      byReference.set(record.orderReference, attempts);
    }
    skip += page.data.length;
    options.onProgress?.({ pages, records, totalCount: page.totalCount });
    if (page.data.length === 0 || skip >= page.totalCount) break;
  }
  const authoritative: ProviderPayment[] = [];
  for (const attempts of byReference.values()) {
    const record = pickAuthoritative([...attempts.values()]);
    if (record) authoritative.push(record);
  }
  return { records: authoritative, pages };
}

function insideWindow(record: ProviderPayment, window: Window): boolean {
  const created = record.createdAt === undefined ? Number.NaN : Date.parse(record.createdAt);
  // a record without a readable date is kept: the day filter already placed it in the window
  if (Number.isNaN(created)) return true;
  return created >= window.since.getTime() && created <= window.until.getTime();
}

async function compare(
  ctx: ServiceContext,
  payment: PaymentRecord | null,
  record: ProviderPayment,
  apply: boolean,
): Promise<ReconciliationMismatch[]> {
  const providerAmount = record.collectedAmount ?? null;
  const base = {
    orderReference: record.orderReference,
    paymentId: payment?.id ?? null,
    localStatus: payment?.status ?? null,
    providerStatus: record.status,
    localAmount: payment?.amount ?? null,
    providerAmount,
  };
  if (payment === null) return [{ kind: 'missing_locally', ...base, correction: 'none' }];
  const found: ReconciliationMismatch[] = [];
  const currentAttempt = payment.orderReference === record.orderReference;
  // an earlier attempt's record only matters when money moved on it
  const stateMatters = currentAttempt || mapProviderStatus(record.status).class === 'success';
  if (stateMatters && !statusAgrees(payment, record)) {
    found.push({ kind: 'status_differs', ...base, ...(await correct(ctx, payment, record, apply)) });
  }
  if (providerAmount !== null && currentAttempt && !amountsEqual(payment.amount, providerAmount)) {
    found.push({ kind: 'amount_differs', ...base, correction: 'none' });
  }
  return found;
}

async function correct(
  ctx: ServiceContext,
  payment: PaymentRecord,
  record: ProviderPayment,
  apply: boolean,
): Promise<Pick<ReconciliationMismatch, 'correction' | 'statusAfter' | 'note'>> {
  if (!isSafeCorrection(payment, record)) {
    const note =
      payment.orderReference !== record.orderReference
        ? 'an earlier attempt of this payment'
        : mapProviderStatus(record.status).known
          ? `${payment.status} is final here: a person decides`
          : 'ClickPesa reports a status the toolkit does not know';
    return { correction: 'not_safe', note };
  }
  if (!apply) return { correction: 'not_requested' };
  try {
    const result = await applyQueried(ctx, payment, record, { source: 'reconcile' });
    const changed = result.payment.status !== payment.status;
    return { correction: changed ? 'applied' : 'unchanged', statusAfter: result.payment.status };
  } catch (error) {
    if (isStoreFailure(error)) throw error;
    return { correction: 'failed', note: String(describeError(error).message) };
  }
}
