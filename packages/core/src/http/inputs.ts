import { z } from 'zod';
import { ClickPesaKitError, type ErrorDetail } from '../errors.js';
import { exactDecimal, topLevelNumberSource } from './json-number-source.js';
import { header, type JsonBody } from './request-body.js';
import type { HandlerRequest } from './types.js';

/**
 * Route-level input rules: path parameters, headers and the body's outer shape. Field rules for a new
 * payment (amount, msisdn, ...) live in the service, so hosts calling the service directly get them too.
 */

/**
 * Ids are opaque (UUIDs from the service); anything that cannot be one is simply not found. A plain regex,
 * not a zod schema: it runs on every read.
 */
export const PAYMENT_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * IDEM-1: 1–255 printable ASCII characters without a comma: a repeated header reaches us joined as "a, b",
 * and which of the two keys was meant cannot be told.
 */
export const idempotencyKeySchema = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .regex(/^[\x20-\x7e]+$/, 'must be printable ASCII')
  .regex(/^[^,]+$/, 'must be sent once and must not contain a comma');

const NOT_AN_OBJECT = 'the body must be a JSON object';

const jsonObjectSchema = z.custom<Record<string, unknown>>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  NOT_AN_OBJECT,
);

/** Retry and cancel take no fields (SEC-5: unknown fields on mutating routes are rejected). */
export const emptyCommandSchema = z.object({}).strict();

/** The `:id` parameter, or NOT_FOUND. */
export function paymentIdParam(params: Record<string, string>): string {
  const id = params.id;
  if (typeof id !== 'string' || !PAYMENT_ID.test(id)) {
    throw new ClickPesaKitError('NOT_FOUND', { message: 'Payment not found' });
  }
  return id;
}

/** The optional `Idempotency-Key` header, validated; one value only. */
export function idempotencyKeyHeader(headers: HandlerRequest['headers']): string | undefined {
  const raw = headers['idempotency-key'];
  if (raw === undefined) return undefined;
  if (Array.isArray(raw) && raw.length !== 1) {
    throw validationError([{ field: 'Idempotency-Key', message: 'must be sent once' }]);
  }
  const parsed = idempotencyKeySchema.safeParse(header(headers, 'idempotency-key'));
  if (!parsed.success) throw validationError(issuesToDetails(parsed.error.issues, 'Idempotency-Key'));
  return parsed.data;
}

/** The create route's body: a JSON object (its fields are the service's business). */
export function createPaymentBody(body: JsonBody): Record<string, unknown> {
  if (body.kind === 'empty')
    throw validationError([{ field: 'body', message: 'a JSON object body is required' }]);
  if (body.kind === 'rejected') throw rejectedBodyError(body);
  const parsed = jsonObjectSchema.safeParse(body.value);
  if (!parsed.success) throw notAnObjectError();
  if (body.text !== undefined) assertExactAmount(body.text);
  return parsed.data;
}

/**
 * SEC-2 for JSON numbers: `100.999999999999999999` parses to the double 101, which would pass every later check.
 * The number's source text is the exact value; more than two decimals there is refused. (When a host's parser
 * read the body, only a decimal string is exact.)
 */
function assertExactAmount(text: string): void {
  const source = topLevelNumberSource(text, 'amount');
  const exact = source === undefined ? undefined : exactDecimal(source);
  if (exact === undefined) return;
  const decimals = exact.split('.')[1] ?? '';
  if (decimals.length > 2) {
    throw validationError([
      {
        field: 'amount',
        message: 'Amount may have at most 2 decimal places (send it as a decimal string, e.g. "1000.50")',
      },
    ]);
  }
}

/** Retry/cancel bodies: empty, or an empty JSON object. */
export function assertEmptyCommandBody(body: JsonBody): void {
  if (body.kind === 'empty') return;
  if (body.kind === 'rejected') throw rejectedBodyError(body);
  if (!jsonObjectSchema.safeParse(body.value).success) throw notAnObjectError();
  const parsed = emptyCommandSchema.safeParse(body.value);
  if (!parsed.success) throw validationError(issuesToDetails(parsed.error.issues, 'body'));
}

export function rejectedBodyError(body: Extract<JsonBody, { kind: 'rejected' }>): ClickPesaKitError {
  const options: ConstructorParameters<typeof ClickPesaKitError>[1] = {};
  if (body.message !== undefined) options.message = body.message;
  if (body.details !== undefined) options.details = body.details;
  return new ClickPesaKitError(body.code, options);
}

/** Valid JSON that is not an object (`"hi"`, `null`, `[1]`): a clear validation error, not MALFORMED_JSON. */
function notAnObjectError(): ClickPesaKitError {
  return new ClickPesaKitError('VALIDATION_ERROR', {
    message: NOT_AN_OBJECT,
    details: [{ field: 'body', message: NOT_AN_OBJECT }],
  });
}

function validationError(details: ErrorDetail[]): ClickPesaKitError {
  return new ClickPesaKitError('VALIDATION_ERROR', { details });
}

/** zod issues → `{ field, message }` details; unknown keys are named one by one. */
function issuesToDetails(issues: readonly z.core.$ZodIssue[], root: string): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) details.push({ field: key, message: 'unknown field' });
      continue;
    }
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : root;
    details.push({ field, message: issue.message });
  }
  return details;
}
