import type { ClickPesaApi } from '../client/types.js';
import type { ProviderPayment } from '../domain/payment.js';

/**
 * ClickPesa's changes, newest first: `GET /payments/all?sortBy=updatedAt&orderBy=DESC`, read down to a point
 * in ClickPesa's time. A payment changes at most a few times (created, then final), so the rows changed since
 * the last read fit on a page or two at any page size: one call answers for every open payment, where pages
 * by creation time need as many pages as there are open payments.
 *
 * The chain: each read goes down to where the previous one began (less an overlap for rows committed a little
 * after their timestamp), so while reads follow each other without a gap, every change ClickPesa made since
 * the chain began has been seen. A payment created after that and absent from the pages has not changed.
 */
export interface FeedChain {
  /** ClickPesa time: the next read goes down to rows updated at this point (inclusive). */
  stopAt: number;
  /** The newest updatedAt seen so far (ClickPesa time); null: the list was empty. */
  newest: number | null;
  /** Our time when the last read's first page answered. */
  readAt: number;
  /**
   * ClickPesa time: every change since this has been seen, so a payment created at ClickPesa at or after it
   * and absent from a complete read has not changed.
   */
  coveredFrom: number;
}

/**
 * Where the read after `read` stops. Rows may commit up to `overlapMs` after their timestamp, so the newest
 * `overlapMs` are read again, except what was already older than the previous read's newest row when this
 * read began at least `overlapMs` after that one (those rows had settled).
 */
export function nextStopAt(
  read: Pick<FeedRead, 'newest'>,
  startedAt: number,
  previous: FeedChain | null,
  overlapMs: number,
): number {
  const settled =
    previous?.newest != null && startedAt - previous.readAt >= overlapMs
      ? previous.newest + 1
      : Number.NEGATIVE_INFINITY;
  if (read.newest === null) return Math.max(previous?.stopAt ?? Number.NEGATIVE_INFINITY, settled);
  return Math.max(read.newest - overlapMs, settled);
}

export interface FeedRead {
  /** Every row read, latest first (a row may repeat when pages shift under concurrent changes). */
  rows: ProviderPayment[];
  pages: number;
  /** Read down to the stop point, or to the end of the list. */
  complete: boolean;
  /** False: the rows were not in updatedAt order, so ClickPesa did not sort by it; nothing can be inferred. */
  ordered: boolean;
  /**
   * A row created before the one after it: the order is not creation order, so ClickPesa really sorted by
   * updatedAt (a page of rows in both orders at once proves nothing).
   */
  proves: boolean;
  /** The newest updatedAt on the first page (the next read's stop point, less the overlap); null: no rows. */
  newest: number | null;
  /** The updatedAt of the last row read: every row from it to `newest` was on the pages. */
  lowest: number | null;
  /** Our time when the first page answered. */
  firstPageAt: number;
  /** Rows pushed down per ms of waiting between pages, measured on this read (undefined: one page). */
  shiftPerMs?: number;
}

export interface FeedReadOptions {
  /** Stop once a row older than this (ClickPesa time) is seen. */
  stopAt: number;
  /** Only payments created on or after this UTC day are asked for (ClickPesa filters by calendar day). */
  startDate: string;
  pageSize: number;
  maxPages: number;
  signal: AbortSignal;
  now: () => number;
  keepGoing: () => boolean;
  /** Rows pushed down per ms of waiting, as the last read measured it (0: assume none). */
  shiftPerMs?: number;
}

/** Reads the feed; throws when a call fails (nothing is inferred from a partial read). */
export async function readFeed(client: ClickPesaApi, options: FeedReadOptions): Promise<FeedRead> {
  const read: FeedRead = {
    rows: [],
    pages: 0,
    complete: false,
    ordered: true,
    proves: false,
    newest: null,
    lowest: null,
    firstPageAt: 0,
  };
  // Rows changed while we page jump to the top and push the rest down, so a page asked for at the row after
  // the last one read repeats rows already read (at 105 pushes a minute, about 14 in the 4 s a call waits
  // for the budget). When its turn comes, the next page is asked for further down by the push-down expected
  // for its wait, at the rate measured on repeated rows; if it then starts below the rows read (pushed down
  // less than expected), rows may have been passed over and it is asked again at the row after the last one
  // read, which cannot pass over any: a row below the ones read only ever moves down, or to the top.
  let safeSkip = 0;
  // when the page that ended at `safeSkip` answered: rows have been pushed down since
  let safeAt = options.now();
  let perMs = options.shiftPerMs ?? 0;
  const seen = new Set<string>();
  const key = (row: ProviderPayment) => `${row.orderReference}|${row.updatedAt}`;
  let predict = false;
  while (read.pages < options.maxPages && options.keepGoing()) {
    const filters = {
      startDate: options.startDate,
      sortBy: 'updatedAt',
      orderBy: 'DESC' as const,
      limit: options.pageSize,
      skip: safeSkip,
    };
    let sentAt = safeAt;
    const guess = predict;
    const result = await client.listPayments(filters, {
      priority: 'background',
      signal: options.signal,
      beforeSend: () => {
        sentAt = options.now();
        if (guess) filters.skip = safeSkip + Math.floor(0.75 * perMs * (sentAt - safeAt));
      },
    });
    const answeredAt = options.now();
    read.pages += 1;
    if (read.pages === 1) read.firstPageAt = answeredAt;
    const skip = filters.skip;
    const first = result.data[0];
    const firstUpdated = first === undefined ? null : parseTime(first.updatedAt);
    const passedOver =
      skip > safeSkip &&
      (first === undefined ||
        (!seen.has(key(first)) && (firstUpdated === null || firstUpdated < read.lowest!)));
    if (process.env.FEED_DEBUG) console.error(`  page skip=${skip} safe=${safeSkip} n=${result.data.length} passedOver=${passedOver} wait=${sentAt - safeAt} perMs=${perMs.toFixed(4)} total=${result.totalCount}`);
    if (passedOver) {
      // asked again where nothing can be passed over; the expected push-down was too high
      perMs = 0.5 * perMs;
      predict = false;
      continue;
    }
    // an empty page is the end of the list
    if (result.data.length === 0) {
      read.complete = true;
      return read;
    }
    // One page is one snapshot, so its rows must be in updatedAt order, or the sort was not applied.
    let above = Number.POSITIVE_INFINITY;
    let aboveCreated = Number.POSITIVE_INFINITY;
    let repeated = 0;
    for (const row of result.data) {
      const updated = parseTime(row.updatedAt);
      if (updated === null || updated > above) {
        read.ordered = false;
        return read;
      }
      const created = parseTime(row.createdAt);
      // created after the row above it: not creation order
      if (created !== null && created > aboveCreated) read.proves = true;
      aboveCreated = created ?? Number.POSITIVE_INFINITY;
      above = updated;
      if (seen.has(key(row))) {
        repeated += 1;
        continue;
      }
      seen.add(key(row));
      read.newest ??= updated;
      read.lowest = updated;
      read.rows.push(row);
    }
    const end = skip + result.data.length;
    // down to the stop point; or a short page that ClickPesa's totalCount says is the last one (a short page
    // alone may be ClickPesa's own cap on the page size)
    if (above < options.stopAt || (result.data.length < options.pageSize && end >= result.totalCount)) {
      read.complete = true;
      return read;
    }
    // the first new row was pushed down from `safeSkip` to `skip + repeated` while this page waited
    const waited = sentAt - safeAt;
    if (read.pages > 1 && waited > 0) {
      perMs = (skip - safeSkip + repeated) / waited;
      read.shiftPerMs = perMs;
    }
    safeSkip = end;
    safeAt = answeredAt;
    predict = true;
  }
  return read;
}

export function parseTime(value: string | undefined): number | null {
  if (value === undefined) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : time;
}
