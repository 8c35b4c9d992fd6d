import { createHash } from 'node:crypto';
import type { ProviderPayment } from '../domain/payment.js';
import { canonicalize } from '../shared/checksum.js';
import { assertSafeJsonValue, parseJsonSafely } from '../shared/safe-json.js';

/**
 * Reading a ClickPesa webhook: both payload generations ClickPesa sends — `event` or `eventType`;
 * `data.id` or `data.paymentId`; `collectedAmount` or `amount`; `collectedCurrency` or `currency`.
 */
export interface ParsedWebhook {
  /** The whole body as sent (checksum fields included), for verification. */
  body: Record<string, unknown>;
  eventType: string | null;
  orderReference: string | null;
  /** ClickPesa's record as the webhook states it; null when the payload names no order reference. */
  record: ProviderPayment | null;
  /** Duplicate deliveries share it: the (orderReference, status, updatedAt) triple, else the canonical body. */
  dedupeKey: string;
  /** The body without `checksum`/`checksumMethod`, as stored with the receipt. */
  payload: Record<string, unknown>;
}

export type ParseWebhookResult = { ok: true; webhook: ParsedWebhook } | { ok: false; message: string };

const SIGNATURE_FIELDS = new Set(['checksum', 'checksumMethod']);

/**
 * Parses a webhook body once: bytes or text are parsed (safely: no prototype keys, bounded depth), a value a
 * host's body parser already made is checked the same way.
 */
export function parseWebhook(raw: unknown): ParseWebhookResult {
  let body: unknown;
  try {
    if (Buffer.isBuffer(raw)) body = parseJsonSafely(raw.toString('utf8'));
    else if (typeof raw === 'string') body = parseJsonSafely(raw);
    else {
      assertSafeJsonValue(raw);
      body = raw;
    }
  } catch (error) {
    return {
      ok: false,
      message: error instanceof Error ? error.message : 'The webhook body is not valid JSON',
    };
  }
  if (!isObject(body)) return { ok: false, message: 'The webhook body must be a JSON object' };
  const data = body.data;
  if (!isObject(data)) return { ok: false, message: 'The webhook body has no data object' };

  const eventType = text(body.event) ?? text(body.eventType);
  const orderReference = text(data.orderReference);
  const payload: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (!SIGNATURE_FIELDS.has(key)) payload[key] = value;
  const record = orderReference === null ? null : providerRecord(data, orderReference, eventType);
  const identity =
    record?.updatedAt !== undefined
      ? `event:${orderReference}|${record.status}|${record.updatedAt}`
      : `body:${canonicalize(payload)}`;
  return {
    ok: true,
    webhook: {
      body,
      eventType,
      orderReference,
      record,
      dedupeKey: createHash('sha256').update(identity, 'utf8').digest('hex'),
      payload,
    },
  };
}

function providerRecord(
  data: Record<string, unknown>,
  orderReference: string,
  eventType: string | null,
): ProviderPayment {
  const record: ProviderPayment = {
    id: text(data.id) ?? text(data.paymentId),
    status: text(data.status) ?? statusFromEvent(eventType),
    orderReference,
  };
  const optional = {
    channel: text(data.channel),
    collectedAmount: amountText(data.collectedAmount ?? data.amount),
    collectedCurrency: text(data.collectedCurrency) ?? text(data.currency),
    message: text(data.message),
    paymentReference: text(data.paymentReference),
    createdAt: text(data.createdAt),
    updatedAt: text(data.updatedAt),
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== null) (record as unknown as Record<string, unknown>)[key] = value;
  }
  return record;
}

/** A payload without `status` still says what happened through its event name. */
function statusFromEvent(eventType: string | null): string {
  if (eventType === 'PAYMENT RECEIVED') return 'SUCCESS';
  if (eventType === 'PAYMENT FAILED') return 'FAILED';
  return '';
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return value.length > 0 ? value : null;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

function amountText(value: unknown): string | null {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))
    ? String(value)
    : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
