import { z } from 'zod';
import { parseAmount } from '../domain/amount.js';
import { normaliseMsisdn, operatorFromProviderName } from '../domain/msisdn.js';
import type { Operator, PaymentRecord } from '../domain/payment.js';
import { ClickPesaKitError, type ErrorDetail } from '../errors.js';
import { unstorableTextProblem } from '../shared/text.js';
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
  'minAmount' | 'maxAmount' | 'prefixTable' | 'allowedCallbackUrls' | 'resolveAmount'
>;

/**
 * A checked request before the server has set its price: with `resolveAmount` the client's amount is optional
 * (null when absent) and `externalOrderId` is required.
 */
export type ValidatedInitiate = Omit<InitiateRequest, 'amount'> & { amount: string | null };

export function validateInitiateBody(body: unknown, options: Options): ValidatedInitiate {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw validationError([{ field: 'body', message: 'the body must be a JSON object' }]);
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
  // the server sets the price: the client may leave the amount out, but must say which order it pays
  const serverPriced = options.resolveAmount !== undefined;
  return z.object({
    amount: z.unknown().transform((value, ctx) => {
      if (value === undefined || value === null) {
        return serverPriced ? null : fail(ctx, 'amount is required');
      }
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
    external_order_id: serverPriced
      ? requiredText('external_order_id', MAX_EXTERNAL_ORDER_ID_LENGTH)
      : optionalText('external_order_id', MAX_EXTERNAL_ORDER_ID_LENGTH),
    metadata: z.unknown().transform((value, ctx) => {
      if (value === undefined || value === null) return null;
      const problem = metadataProblem(value);
      if (problem === null) return { ...(value as NonNullable<PaymentRecord['metadata']>) };
      return fail(ctx, problem.message, problem.key);
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
    const problem = unstorableTextProblem(text);
    if (problem !== null) return fail(ctx, `${field} ${problem}`);
    return text === '' ? null : text;
  });
}

function requiredText(field: string, maxLength: number) {
  const text = optionalText(field, maxLength);
  return z.unknown().transform((value, ctx) => {
    const parsed = text.safeParse(value);
    if (!parsed.success) return fail(ctx, parsed.error.issues[0]?.message ?? `${field} is invalid`);
    return parsed.data ?? fail(ctx, `${field} is required: the server sets the amount from the order`);
  });
}

/**
 * A flat object of strings, finite numbers, booleans and nulls, at most 2 KiB as JSON, whose keys and strings
 * every store keeps as sent; null when fine. `key` names the entry at fault (its detail is `metadata.<key>`).
 */
function metadataProblem(value: unknown): { message: string; key?: string } | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { message: 'metadata must be an object' };
  for (const [key, item] of Object.entries(value)) {
    const keyProblem = unstorableTextProblem(key);
    // such a key cannot be echoed in a field name: the detail names metadata itself
    if (keyProblem !== null) return { message: `metadata keys ${keyProblem}` };
    const flat =
      item === null ||
      typeof item === 'string' ||
      typeof item === 'boolean' ||
      (typeof item === 'number' && Number.isFinite(item));
    if (!flat)
      return { message: `metadata must be flat: "${key}" must be a string, number, boolean or null` };
    const textProblem = typeof item === 'string' ? unstorableTextProblem(item) : null;
    if (textProblem !== null) return { message: `metadata.${key} ${textProblem}`, key };
  }
  if (Buffer.byteLength(JSON.stringify(value), 'utf8') > MAX_METADATA_BYTES) {
    return { message: `metadata must be at most ${MAX_METADATA_BYTES} bytes as JSON` };
  }
  return null;
}

/** Adds one issue; `key` (an entry of an object field) lengthens its path: `metadata.x`. */
function fail(ctx: z.RefinementCtx, message: string, key?: string): never {
  ctx.addIssue(key === undefined ? { code: 'custom', message } : { code: 'custom', message, path: [key] });
  return z.NEVER;
}

function validationError(details: ErrorDetail[]): ClickPesaKitError {
  return new ClickPesaKitError('VALIDATION_ERROR', { details });
}
