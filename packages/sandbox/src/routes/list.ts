import type { ApiRequest, SandboxContext } from '../context.js';
import { jsonReply, messageReply, type Reply } from '../reply.js';
import type { QueryRecord, SandboxPayment } from '../types.js';
import { toQueryRecord } from '../wire-shapes.js';
import { requireToken } from './guards.js';
import { visiblePayments } from './query.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const SORTABLE = [
  'createdAt',
  'updatedAt',
  'collectedAmount',
  'orderReference',
  'status',
  'channel',
  'id',
] as const;
type SortKey = (typeof SORTABLE)[number];
const EXACT_FILTERS = ['status', 'collectedCurrency', 'channel', 'orderReference', 'clientId'] as const;

function isCalendarDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

function nonNegativeInteger(value: string | null, fallback: number): number | undefined {
  if (value === null || value === '') return fallback;
  return /^\d+$/.test(value) ? Number(value) : undefined;
}

/** Compares two non-negative decimal strings without turning money into floats. */
export function compareDecimal(a: string, b: string): number {
  const [aInt = '', aFrac = ''] = a.split('.');
  const [bInt = '', bFrac = ''] = b.split('.');
  const intA = aInt.replace(/^0+(?=\d)/, '');
  const intB = bInt.replace(/^0+(?=\d)/, '');
  if (intA.length !== intB.length) return intA.length - intB.length;
  if (intA !== intB) return intA < intB ? -1 : 1;
  const width = Math.max(aFrac.length, bFrac.length);
  const fracA = aFrac.padEnd(width, '0');
  const fracB = bFrac.padEnd(width, '0');
  return fracA === fracB ? 0 : fracA < fracB ? -1 : 1;
}

/** `GET /payments/all`: filters, sorting and paging as ClickPesa documents them → `{ data, totalCount }`. */
export function listPayments(ctx: SandboxContext, request: ApiRequest): Reply {
  const denied = requireToken(ctx, request);
  if (denied) return denied;
  const { query } = request;

  const startDate = query.get('startDate');
  const endDate = query.get('endDate');
  for (const [name, value] of [
    ['startDate', startDate],
    ['endDate', endDate],
  ] as const) {
    if (value !== null && !isCalendarDate(value))
      return messageReply(400, `${name} must be a date in YYYY-MM-DD format`);
  }
  const orderBy = (query.get('orderBy') ?? 'DESC').toUpperCase();
  if (orderBy !== 'ASC' && orderBy !== 'DESC') {
    return messageReply(400, 'orderBy must be one of the following values: ASC, DESC');
  }
  const skip = nonNegativeInteger(query.get('skip'), 0);
  const limit = nonNegativeInteger(query.get('limit'), 20);
  if (skip === undefined) return messageReply(400, 'skip must be a non-negative integer');
  if (limit === undefined) return messageReply(400, 'limit must be a non-negative integer');
  const requestedSort = query.get('sortBy') ?? 'createdAt';
  const sortBy: SortKey =
    !ctx.config.ignoreSortBy && (SORTABLE as readonly string[]).includes(requestedSort)
      ? (requestedSort as SortKey)
      : 'createdAt';

  const all = visiblePayments(ctx, ctx.ledger.all());
  const matching = all.filter((payment) => {
    // Dates filter on the UTC calendar day of createdAt, both ends inclusive.
    const day = new Date(payment.createdAt).toISOString().slice(0, 10);
    if (startDate !== null && day < startDate) return false;
    if (endDate !== null && day > endDate) return false;
    const record = toQueryRecord(payment);
    return EXACT_FILTERS.every((name) => {
      const wanted = query.get(name);
      return wanted === null || wanted === '' || String(record[name]) === wanted;
    });
  });

  // Creation order breaks ties, so payments made within one millisecond still sort newest-first.
  const direction = orderBy === 'ASC' ? 1 : -1;
  const sorted = matching
    .map((payment, position) => ({ payment, position, record: toQueryRecord(payment) }))
    .sort((a, b) => direction * (compareBy(a, b, sortBy) || a.position - b.position));
  const cap = ctx.config.maxPageSize;
  const rows = cap === null ? limit : Math.min(limit, cap);
  const data = sorted.slice(skip, skip + rows).map(({ record }) => record);
  return jsonReply(200, { data, totalCount: matching.length });
}

interface Sortable {
  payment: SandboxPayment;
  record: QueryRecord;
}

function compareBy(a: Sortable, b: Sortable, sortBy: SortKey): number {
  switch (sortBy) {
    case 'createdAt':
      return a.payment.createdAt - b.payment.createdAt;
    case 'updatedAt':
      return a.payment.updatedAt - b.payment.updatedAt;
    case 'collectedAmount':
      return compareDecimal(a.payment.amount, b.payment.amount);
    default: {
      const left = String(a.record[sortBy]);
      const right = String(b.record[sortBy]);
      return left === right ? 0 : left < right ? -1 : 1;
    }
  }
}
