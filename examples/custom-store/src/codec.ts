import type { PaymentRecord } from '@clickpesa-kit/core';
import type {
  AuditEntry,
  IdempotencyRecord,
  NewEvent,
  StoredEvent,
  WebhookReceipt,
} from '@clickpesa-kit/core/store';

/**
 * How records become Redis strings and back. Dates are stored as epoch milliseconds (exact, and numbers a
 * Lua script can compare); everything else is plain JSON. Every read parses a fresh object, so callers
 * can never mutate stored state through what a call returned.
 */

const PAYMENT_DATE_FIELDS = [
  'attemptStartedAt',
  'createdAt',
  'updatedAt',
  'completedAt',
  'settledAt',
  'lastCheckedAt',
  'nextPollAt',
  'stuckNotifiedAt',
] as const satisfies readonly (keyof PaymentRecord)[];

type PaymentDateField = (typeof PAYMENT_DATE_FIELDS)[number];
type PaymentDocument = Omit<PaymentRecord, PaymentDateField> & Record<PaymentDateField, number | null>;

export function encodePayment(payment: PaymentRecord): string {
  const document: Record<string, unknown> = { ...payment };
  for (const field of PAYMENT_DATE_FIELDS) document[field] = toMs(payment[field]);
  return JSON.stringify(document);
}

export function decodePayment(json: string): PaymentRecord {
  const document = JSON.parse(json) as PaymentDocument;
  const payment: Record<string, unknown> = { ...document };
  for (const field of PAYMENT_DATE_FIELDS) payment[field] = fromMs(document[field]);
  return payment as unknown as PaymentRecord;
}

export function encodeEvent(event: NewEvent): string {
  return JSON.stringify({ ...event, occurredAt: event.occurredAt.getTime() });
}

export function decodeEvent(json: string, paymentId: string, seq: number): StoredEvent {
  const event = JSON.parse(json) as Omit<NewEvent, 'occurredAt'> & { occurredAt: number };
  return { ...event, occurredAt: new Date(event.occurredAt), paymentId, seq };
}

export function encodeAudit(entry: AuditEntry): string {
  return JSON.stringify({ ...entry, at: entry.at.getTime() });
}

export function decodeAudit(json: string): AuditEntry {
  const entry = JSON.parse(json) as Omit<AuditEntry, 'at'> & { at: number };
  return { ...entry, at: new Date(entry.at) };
}

export function encodeReceipt(receipt: WebhookReceipt): string {
  return JSON.stringify({ ...receipt, receivedAt: receipt.receivedAt.getTime() });
}

export function decodeReceipt(json: string): WebhookReceipt {
  const receipt = JSON.parse(json) as Omit<WebhookReceipt, 'receivedAt'> & { receivedAt: number };
  return { ...receipt, receivedAt: new Date(receipt.receivedAt) };
}

/** An idempotency record as the flat field/value list HSET takes (all strings, Dates as epoch ms). */
export function idempotencyFields(record: IdempotencyRecord): string[] {
  return [
    'ownerId',
    record.ownerId,
    'key',
    record.key,
    'fingerprint',
    record.fingerprint,
    'scope',
    record.scope,
    'paymentId',
    record.paymentId,
    'state',
    record.state,
    'createdAt',
    String(record.createdAt.getTime()),
    'expiresAt',
    String(record.expiresAt.getTime()),
  ];
}

/** From HGETALL's reply: an object (ioredis' own HGETALL) or a flat [field, value, ...] list (from Lua). */
export function decodeIdempotency(reply: Record<string, string> | string[]): IdempotencyRecord {
  const fields = Array.isArray(reply) ? pairsToObject(reply) : reply;
  return {
    ownerId: fields.ownerId ?? '',
    key: fields.key ?? '',
    fingerprint: fields.fingerprint ?? '',
    scope: fields.scope ?? '',
    paymentId: fields.paymentId ?? '',
    state: fields.state === 'completed' ? 'completed' : 'in_flight',
    createdAt: new Date(Number(fields.createdAt)),
    expiresAt: new Date(Number(fields.expiresAt)),
  };
}

/** Epoch ms as the decimal string Redis arguments take; '' for "none". */
export function msArg(date: Date | null): string {
  return date === null ? '' : String(date.getTime());
}

function toMs(date: Date | null): number | null {
  return date === null ? null : date.getTime();
}

function fromMs(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

function pairsToObject(pairs: string[]): Record<string, string> {
  const object: Record<string, string> = {};
  for (let index = 0; index + 1 < pairs.length; index += 2) object[pairs[index]!] = pairs[index + 1]!;
  return object;
}
