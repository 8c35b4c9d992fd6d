import { PAYMENT_STATUSES, type PaymentRecord, type PaymentStatus } from '../domain/payment.js';
import { ClickPesaKitError, type ErrorDetail } from '../errors.js';
import type { ListPaymentsInput, PaymentListPosition } from '../store/contract.js';
import { fromStore, type ServiceContext } from './context.js';
import { MAX_EXTERNAL_ORDER_ID_LENGTH } from './validation.js';

export const DEFAULT_LIST_LIMIT = 20;
export const MAX_LIST_LIMIT = 100;

export interface PaymentPage {
  /** The caller's payments, newest first. */
  payments: PaymentRecord[];
  /** Pass as `cursor` for the next page; null on the last page. Opaque. */
  nextCursor: string | null;
}

const KNOWN_PARAMS: ReadonlySet<string> = new Set(['external_order_id', 'status', 'limit', 'cursor']);

/**
 * ORD-1: the owner's own payments, newest first, optionally of one order and/or one status, one page at a
 * time (keyset pagination: a page never repeats or skips a payment while new ones are created). Another
 * owner's payments are never listed: the owner is part of the store query itself.
 */
export async function listPayments(
  ctx: ServiceContext,
  ownerId: string,
  query: Record<string, unknown>,
): Promise<PaymentPage> {
  const input = parseListQuery(ownerId, query);
  const limit = input.limit;
  // one more than asked: whether it exists says if there is a next page
  const found = await fromStore(() => ctx.store.listPayments({ ...input, limit: limit + 1 }));
  const payments = found.slice(0, limit);
  const last = payments.at(-1);
  return { payments, nextCursor: found.length > limit && last ? encodeCursor(last) : null };
}

function parseListQuery(ownerId: string, query: Record<string, unknown>): ListPaymentsInput {
  const details: ErrorDetail[] = [];
  for (const name of Object.keys(query)) {
    if (!KNOWN_PARAMS.has(name) && query[name] !== undefined) {
      details.push({ field: name, message: 'is not a known query parameter' });
    }
  }
  const input: ListPaymentsInput = { ownerId, limit: DEFAULT_LIST_LIMIT };
  const externalOrderId = single(query, 'external_order_id', details);
  if (externalOrderId !== undefined) {
    if (externalOrderId.length === 0 || externalOrderId.length > MAX_EXTERNAL_ORDER_ID_LENGTH) {
      details.push({
        field: 'external_order_id',
        message: `must be 1 to ${MAX_EXTERNAL_ORDER_ID_LENGTH} characters`,
      });
    } else input.externalOrderId = externalOrderId;
  }
  const status = single(query, 'status', details);
  if (status !== undefined) {
    if ((PAYMENT_STATUSES as readonly string[]).includes(status)) input.status = status as PaymentStatus;
    else details.push({ field: 'status', message: `must be one of ${PAYMENT_STATUSES.join(', ')}` });
  }
  const limit = single(query, 'limit', details);
  if (limit !== undefined) {
    const value = /^[0-9]{1,3}$/.test(limit) ? Number(limit) : Number.NaN;
    if (value >= 1 && value <= MAX_LIST_LIMIT) input.limit = value;
    else details.push({ field: 'limit', message: `must be a whole number from 1 to ${MAX_LIST_LIMIT}` });
  }
  const cursor = single(query, 'cursor', details);
  if (cursor !== undefined) {
    const position = decodeCursor(cursor);
    if (position) input.before = position;
    else details.push({ field: 'cursor', message: 'is not a cursor this API handed out' });
  }
  if (details.length > 0) throw new ClickPesaKitError('VALIDATION_ERROR', { details });
  return input;
}

/** One string value of a query parameter; a repeated or non-string one is an error. */
function single(query: Record<string, unknown>, name: string, details: ErrorDetail[]): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  details.push({ field: name, message: 'must be given once, as text' });
  return undefined;
}

/** The cursor is the last listed payment's position, base64url JSON: opaque to clients, checked on the way in. */
function encodeCursor(payment: PaymentRecord): string {
  return Buffer.from(JSON.stringify([payment.createdAt.getTime(), payment.id])).toString('base64url');
}

function decodeCursor(cursor: string): PaymentListPosition | null {
  if (cursor.length === 0 || cursor.length > 400 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [at, id] = value as [unknown, unknown];
    if (typeof at !== 'number' || !Number.isSafeInteger(at) || typeof id !== 'string' || id.length === 0)
      return null;
    if (id.length > 128) return null;
    return { createdAt: new Date(at), id };
  } catch {
    return null;
  }
}
