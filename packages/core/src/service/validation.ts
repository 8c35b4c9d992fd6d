import { z } from 'zod';
import { parseAmount } from '../domain/amount.js';
import { normaliseMsisdn, operatorFromProviderName } from '../domain/msisdn.js';
import type { Operator, PaymentRecord } from '../domain/payment.js';
import { ClickPesaKitError, type ErrorDetail } from '../errors.js';
import type { ResolvedServiceOptions } from './options.js';

/**
 * The rules for a new payment (SEC-1..5, SEC-10). Unknown fields are ignored;
 * every failing field gets its own `{ field, message }` detail. Nothing is stored before this passes (IDEM-7).
 */
export interface InitiateRequest {
  /** Canonical two-place decimal: "1000.00". */
  amount: string;
  currency: 'TZS';
  /** Normalised 255XXXXXXXXX. */
  msisdn: string;
  provider: Operator;
  customerName: string | null;
  metadata: PaymentRecord['metadata'];
  callbackUrl: string | null;
  externalOrderId: string | null;
}

export const MAX_CUSTOMER_NAME_LENGTH = 100;
export const MAX_METADATA_BYTES = 2048;
export const MAX_EXTERNAL_ORDER_ID_LENGTH = 100;

const INITIATE_FIELDS = [
  'amount',
  'currency',
  'msisdn',
  'provider',
  'customer_name',
  'external_order_id',
  'metadata',
  'callback_url',
] as const;

type Options = Pick<
  ResolvedServiceOptions,
  'minAmount' | 'maxAmount' | 'prefixTable' | 'allowedCallbackUrls'
>;

export function validateInitiateBody(body: unknown, options: Options): InitiateRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw validationError([{ field: 'body', message: 'must be a JSON object' }]);
  }
  // every known field explicitly present (own properties only), so absent ones get our messages, not zod's
  const record = body as Record<string, unknown>;
  const input: Record<string, unknown> = {};
  for (const field of INITIATE_FIELDS)
    input[field] = Object.hasOwn(record, field) ? record[field] : undefined;
  const parsed = schemaFor(options).safeParse(input);
  if (!parsed.success) {
    throw validationError(
      parsed.error.issues.map((issue) => ({
        field: issue.path.map(String).join('.') || 'body',
        message: issue.message,
      })),
    );
  }
  const { amount, currency, msisdn, provider, customer_name, metadata, callback_url, external_order_id } =
    parsed.data;
  if (provider !== undefined && provider !== msisdn.operator) {
    throw validationError([
      {
        field: 'provider',
        message: `provider ${provider} does not match the phone number's operator (${msisdn.operator})`,
      },
    ]);
  }
  return {
    amount,
    currency,
    msisdn: msisdn.msisdn,
    provider: msisdn.operator,
    customerName: customer_name,
    metadata,
    callbackUrl: callback_url,
    externalOrderId: external_order_id,
  };
}

/** One schema per options object: building zod schemas per request would cost more than validating. */
const schemas = new WeakMap<Options, ReturnType<typeof initiateSchema>>();
function schemaFor(options: Options): ReturnType<typeof initiateSchema> {
  let schema = schemas.get(options);
  if (schema === undefined) {
    schema = initiateSchema(options);
    schemas.set(options, schema);
  }
  return schema;
}

function initiateSchema(options: Options) {
  return z.object({
    amount: z.unknown().transform((value, ctx) => {
      if (value === undefined || value === null) return fail(ctx, 'amount is required');
      const result = parseAmount(value, { min: options.minAmount, max: options.maxAmount });
      return result.ok ? result.amount : fail(ctx, result.message);
    }),
    currency: z.unknown().transform((value, ctx) => {
      if (value === undefined || value === null || value === 'TZS') return 'TZS' as const;
      return fail(ctx, 'currency must be TZS: ClickPesa USSD push takes Tanzanian shillings only');
    }),
    msisdn: z.unknown().transform((value, ctx) => {
      if (value === undefined || value === null || value === '') return fail(ctx, 'msisdn is required');
      const result = normaliseMsisdn(value, options.prefixTable);
      return result.ok ? { msisdn: result.msisdn, operator: result.operator } : fail(ctx, result.message);
    }),
    provider: z.unknown().transform((value, ctx) => {
      if (value === undefined || value === null || value === '') return undefined;
      return (
        operatorFromProviderName(value) ??
        fail(ctx, 'provider must be one of AIRTEL, VODACOM, TIGO (YAS, MIXX), HALOPESA')
      );
    }),
    customer_name: optionalText('customer_name', MAX_CUSTOMER_NAME_LENGTH),
    external_order_id: optionalText('external_order_id', MAX_EXTERNAL_ORDER_ID_LENGTH),
    metadata: z.unknown().transform((value, ctx) => {
      if (value === undefined || value === null) return null;
      const problem = metadataProblem(value);
      return problem === null ? { ...(value as NonNullable<PaymentRecord['metadata']>) } : fail(ctx, problem);
    }),
    callback_url: z.unknown().transform((value, ctx) => {
      if (value === undefined || value === null || value === '') return null;
      // exact match against the host's list: a client-chosen URL would be an SSRF hole (SEC-10)
      if (typeof value === 'string' && options.allowedCallbackUrls.includes(value)) return value;
      return fail(ctx, 'callback_url is not one of the callback URLs this server allows');
    }),
  });
}

function optionalText(field: string, maxLength: number) {
  return z.unknown().transform((value, ctx) => {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') return fail(ctx, `${field} must be a string`);
    const text = value.trim();
    if ([...text].length > maxLength) return fail(ctx, `${field} must be at most ${maxLength} characters`);
    if (/\p{Cc}/u.test(text)) return fail(ctx, `${field} must not contain control characters`);
    return text === '' ? null : text;
  });
}

/** A flat object of strings, finite numbers, booleans and nulls, at most 2 KiB as JSON; null when fine. */
function metadataProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'metadata must be an object';
  for (const [key, item] of Object.entries(value)) {
    const flat =
      item === null ||
      typeof item === 'string' ||
      typeof item === 'boolean' ||
      (typeof item === 'number' && Number.isFinite(item));
    if (!flat) return `metadata must be flat: "${key}" must be a string, number, boolean or null`;
  }
  if (Buffer.byteLength(JSON.stringify(value), 'utf8') > MAX_METADATA_BYTES) {
    return `metadata must be at most ${MAX_METADATA_BYTES} bytes as JSON`;
  }
  return null;
}

function fail(ctx: z.RefinementCtx, message: string): never {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
}

function validationError(details: ErrorDetail[]): ClickPesaKitError {
  return new ClickPesaKitError('VALIDATION_ERROR', { details });
}
