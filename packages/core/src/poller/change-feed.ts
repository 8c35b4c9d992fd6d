import type { ClickPesaApi } from '../client/types.js';
import type { ProviderPayment } from '../domain/payment.js';
import { parseTime } from './list-coverage.js';

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
 * read began at least `overlapMs` after that one (those rows had settled). After an empty list the stop point
 * stays where this read stopped (`readStopAt`): any row that appears later is newer.
 */
export function nextStopAt(
  read: Pick<FeedRead, 'newest'>,
  startedAt: number,
  previous: FeedChain | null,
  overlapMs: number,
  readStopAt: number,
): number {
  const settled =
    previous?.newest != null && startedAt - previous.readAt >= overlapMs
      ? previous.newest + 1
      : Number.NEGATIVE_INFINITY;
  if (read.newest === null) return Math.max(previous?.stopAt ?? readStopAt, settled);
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
  const seen = new Set<string>();
  const key = (row: ProviderPayment) => `${row.orderReference}|${row.updatedAt}`;
  /** Takes one page's rows, newest first; false when they are out of order (the sort was not applied). */
  const take = (rows: readonly ProviderPayment[]): boolean => {
    let above = Number.POSITIVE_INFINITY;
    let aboveCreated = Number.POSITIVE_INFINITY;
    for (const row of rows) {
      const updated = parseTime(row.updatedAt);
      if (updated === null || updated > above) return false;
      const created = parseTime(row.createdAt);
      // created after the row above it: not creation order
      if (created !== null && created > aboveCreated) read.proves = true;
      aboveCreated = created ?? Number.POSITIVE_INFINITY;
      above = updated;
      // a row already read: pages overlap when rows moved while we paged
      if (seen.has(key(row))) continue;
      seen.add(key(row));
      read.newest ??= updated;
      read.lowest = updated;
      read.rows.push(row);
    }
    return true;
  };
  const page = async (orderBy: 'ASC' | 'DESC', skip: number) => {
    const result = await client.listPayments(
      { startDate: options.startDate, sortBy: 'updatedAt', orderBy, limit: options.pageSize, skip },
      { priority: 'background', signal: options.signal },
    );
    read.pages += 1;
    if (read.pages === 1) read.firstPageAt = options.now();
    return result;
  };
  const reachedStop = () => read.lowest !== null && read.lowest < options.stopAt;

  // The newest changes: the top of the list, newest first.
  const top = await page('DESC', 0);
  if (!take(top.data)) {
    read.ordered = false;
    return read;
  }
  // an empty or short first page that holds the whole list, or one that reached the stop point
  if (top.data.length < options.pageSize && top.data.length >= top.totalCount) read.complete = true;
  if (top.data.length === 0 || reachedStop() || read.complete) {
    read.complete = true;
    return read;
  }

  // The rest, oldest first, from just below the first page downwards. Changes made while we page put rows at
  // the top, which moves nothing down here; a row below the first page that changes leaves for the top and the
  // rows above it slide down by one into what we read next (read twice, never passed over). Paging newest first
  // instead would have every change of the wait push the next page down: about 14 rows in the 4 s a call waits
  // for the budget at 105 pushes a minute, most of a page of 20.
  if (!(top.totalCount > top.data.length)) return read; // no usable totalCount: only the first page is known
  let end = top.totalCount - top.data.length;
  // a first page shorter than asked, with more rows behind it, shows ClickPesa's own cap on the page size
  let size = Math.min(options.pageSize, top.data.length);
  while (read.pages < options.maxPages && options.keepGoing()) {
    const skip = Math.max(0, end - size);
    const result = await page('ASC', skip);
    if (!take([...result.data].reverse())) {
      read.ordered = false;
      return read;
    }
    if (reachedStop() || (skip === 0 && result.data.length >= end)) {
      read.complete = true;
      return read;
    }
    if (result.data.length === 0) return read; // the list shrank under us: nothing to conclude
    // a page shorter than asked left rows between it and the one above unread: ask for them at that size
    if (skip + result.data.length < end) size = result.data.length;
    else end = skip;
  }
  return read;
}
