import { z } from 'zod';
import type { ProviderPayment } from '../domain/payment.js';
import type { ListPaymentsResult, PreviewResult } from './types.js';

/**
 * Lenient parsing of ClickPesa bodies (F-BODY-2): known fields are read
 * when they have a usable type and skipped otherwise; unknown fields stay out of the normalised record (the
 * caller keeps the raw body). A body is rejected only when it is not the documented shape at all.
 */

/** Status values ClickPesa documents; other strings are kept as they came. */
const DOCUMENTED_STATUSES: ReadonlySet<string> = new Set([
  'PROCESSING',
  'PENDING',
  'SUCCESS',
  'SETTLED',
  'FAILED',
  'ON-HOLD',
  'REFUNDED',
  'REVERSED',
]);

/** Stands in for a record that carries no status at all; the state machine treats it as unknown. */
export const MISSING_STATUS = 'UNKNOWN';

/** A decimal string for a number, never in exponent form ("1e21"). */
export function numberToDecimalString(value: number): string | undefined {
  if (!Number.isFinite(value)) return undefined;
  const plain = String(value);
  if (!/e/i.test(plain)) return plain;
  return value.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
}

const optionalText = z
  .union([z.string(), z.number()])
  .transform((value) => (typeof value === 'number' ? numberToDecimalString(value) : value))
  .optional()
  .catch(undefined);

const optionalString = z.string().optional().catch(undefined);

const providerPaymentSchema = z.object({
  id: optionalText,
  status: optionalString,
  orderReference: optionalText,
  channel: optionalString,
  // a string in initiate and webhooks, an integer in the query schema: always a decimal string for us
  collectedAmount: optionalText,
  collectedCurrency: optionalString,
  message: optionalText,
  paymentReference: optionalText,
  paymentPhoneNumber: optionalText,
  createdAt: optionalString,
  updatedAt: optionalString,
  clientId: optionalString,
});

/** "success" → "SUCCESS"; undocumented values are kept verbatim (SM-6 decides what they mean). */
export function normaliseStatus(status: string | undefined): string {
  const trimmed = status?.trim();
  if (!trimmed) return MISSING_STATUS;
  const upper = trimmed.toUpperCase();
  return DOCUMENTED_STATUSES.has(upper) ? upper : trimmed;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** One ClickPesa payment object → ProviderPayment, or undefined when it is not an object. */
export function toProviderPayment(
  value: unknown,
  fallbackOrderReference?: string,
): ProviderPayment | undefined {
  if (!isRecord(value)) return undefined;
  const parsed = providerPaymentSchema.parse(value);
  const payment: ProviderPayment = {
    id: parsed.id ?? null,
    status: normaliseStatus(parsed.status),
    orderReference: parsed.orderReference ?? fallbackOrderReference ?? '',
  };
  const optional = [
    'channel',
    'collectedAmount',
    'collectedCurrency',
    'message',
    'paymentReference',
    'paymentPhoneNumber',
    'createdAt',
    'updatedAt',
    'clientId',
  ] as const;
  for (const field of optional) {
    const fieldValue = parsed[field];
    if (fieldValue !== undefined) payment[field] = fieldValue;
  }
  return payment;
}

/** Does a 2xx initiate body look like a payment at all (an id or a status)? */
export function parseInitiateBody(body: unknown, orderReference: string): ProviderPayment | undefined {
  const candidate = Array.isArray(body) && body.length === 1 ? body[0] : body;
  if (!isRecord(candidate)) return undefined;
  const payment = toProviderPayment(candidate, orderReference);
  if (!payment || (payment.id === null && payment.status === MISSING_STATUS)) return undefined;
  return payment;
}

/**
 * The query answer: documented as an array, tolerated as a single object (some deployments/SDKs) or a
 * `{ data: [...] }` wrapper. Undefined when the body is none of these.
 */
export function parseQueryBody(body: unknown, orderReference: string): ProviderPayment[] | undefined {
  let items: unknown[];
  if (Array.isArray(body)) items = body;
  else if (isRecord(body) && Array.isArray(body.data)) items = body.data;
  else if (isRecord(body) && ('status' in body || 'orderReference' in body || 'id' in body)) items = [body];
  else return undefined;

  const payments: ProviderPayment[] = [];
  for (const item of items) {
    const payment = toProviderPayment(item, orderReference);
    if (!payment) return undefined;
    payments.push(payment);
  }
  return payments;
}

export function parseListBody(body: unknown): ListPaymentsResult | undefined {
  let items: unknown;
  let totalCount: unknown;
  if (Array.isArray(body)) items = body;
  else if (isRecord(body)) {
    items = body.data;
    totalCount = body.totalCount;
  }
  if (!Array.isArray(items)) return undefined;

  const data: ProviderPayment[] = [];
  for (const item of items) {
    const payment = toProviderPayment(item);
    if (!payment) return undefined;
    data.push(payment);
  }
  const total =
    typeof totalCount === 'number' && Number.isFinite(totalCount)
      ? totalCount
      : typeof totalCount === 'string' && /^\d+$/.test(totalCount)
        ? Number(totalCount)
        : data.length;
  return { data, totalCount: total };
}

const previewSchema = z.object({
  activeMethods: z.array(
    z.object({
      name: z.string(),
      status: z.string(),
      fee: z.number().optional().catch(undefined),
      message: z.unknown().optional(),
    }),
  ),
  sender: z
    .object({
      accountName: optionalString,
      accountNumber: optionalText,
      accountProvider: optionalString,
    })
    .optional()
    .catch(undefined),
});

export function parsePreviewBody(body: unknown): PreviewResult | undefined {
  const result = previewSchema.safeParse(body);
  if (!result.success) return undefined;
  const preview: PreviewResult = {
    activeMethods: result.data.activeMethods.map((method) => {
      const entry: PreviewResult['activeMethods'][number] = { name: method.name, status: method.status };
      if (method.fee !== undefined) entry.fee = method.fee;
      if (method.message !== undefined) entry.message = method.message;
      return entry;
    }),
    raw: body,
  };
  if (result.data.sender) {
    const sender: NonNullable<PreviewResult['sender']> = {};
    for (const field of ['accountName', 'accountNumber', 'accountProvider'] as const) {
      const value = result.data.sender[field];
      if (value !== undefined) sender[field] = value;
    }
    preview.sender = sender;
  }
  return preview;
}
