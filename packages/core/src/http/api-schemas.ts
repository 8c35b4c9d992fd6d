import { z } from 'zod';
import { PAYMENT_STATUSES } from '../domain/payment.js';
import { ERROR_CODES, type ErrorCode } from '../errors.js';
import { initiatePaymentInputSchema } from '../service/initiate-input.js';
import { emptyCommandSchema, idempotencyKeySchema, PAYMENT_ID } from './inputs.js';

/**
 * The routes' bodies, parameters and answers as zod schemas: the OpenAPI document and the Fastify route
 * schemas are generated from them. Request-side schemas are the ones the routes validate with.
 */

export const paymentIdSchema = z.string().regex(PAYMENT_ID).describe('The payment id from `data.id`');

export { emptyCommandSchema, idempotencyKeySchema, initiatePaymentInputSchema };

const FAILURE_REASONS = [
  'provider_failed',
  'initiation_rejected',
  'not_sent',
  'timeout',
  'not_found',
] as const;
const OPERATORS = ['VODACOM', 'AIRTEL', 'TIGO', 'HALOPESA', 'TTCL'] as const;
const isoDate = z.string().describe('ISO 8601 timestamp');

export const publicPaymentSchema = z
  .object({
    id: z.string(),
    transaction_id: z.string().nullable().describe("ClickPesa's id for the current attempt"),
    reference: z.string().describe('The current order reference sent to ClickPesa'),
    status: z.enum(PAYMENT_STATUSES),
    amount: z.string().describe('Decimal string with two places: "1000.00"'),
    currency: z.literal('TZS'),
    msisdn: z.string(),
    provider: z.enum(OPERATORS),
    customer_name: z.string().nullable(),
    external_order_id: z.string().nullable().describe("The host's own order id, if it gave one"),
    error_message: z.string().nullable(),
    failure_reason: z.enum(FAILURE_REASONS).nullable(),
    needs_attention: z.boolean(),
    amount_mismatch: z
      .boolean()
      .describe('ClickPesa reported collecting another amount or currency than asked for (SM-7)'),
    collected_amount: z.string().nullable().describe('The amount ClickPesa reported, when it differs'),
    collected_currency: z.string().nullable().describe('The currency ClickPesa reported, when it differs'),
    attempts: z.number().int(),
    metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).nullable(),
    created_at: isoDate,
    updated_at: isoDate,
    completed_at: isoDate.nullable(),
    settled_at: isoDate.nullable(),
  })
  .strict()
  .meta({ id: 'Payment' });

export const publicProviderStatusSchema = z
  .object({
    id: z.string().nullable(),
    status: z.string(),
    channel: z.string().optional(),
    orderReference: z.string(),
    collectedAmount: z.string().optional(),
    collectedCurrency: z.string().optional(),
    createdAt: z.string().optional(),
    message: z.string().optional(),
    updatedAt: z.string().optional(),
  })
  .strict()
  .meta({ id: 'ProviderStatus' });

export const errorDetailSchema = z.object({ field: z.string(), message: z.string() }).strict();

/** How live a status answer is (the status route). */
const freshnessFields = {
  checked_at: isoDate.nullable().describe('When ClickPesa was last asked about the payment; null: not yet'),
  poll_after_ms: z
    .number()
    .int()
    .nullable()
    .describe(
      'When a new read may tell more (also sent as `Retry-After`, in seconds); null: the payment is final',
    ),
};

/** A success envelope; `withData` and `withProviderStatus` say which fields the route always sends. */
export function successEnvelopeSchema(fields: { data: boolean; providerStatus?: boolean }) {
  return z
    .object({
      success: z.literal(true),
      message: z.string(),
      ...(fields.data ? { data: publicPaymentSchema } : {}),
      ...(fields.providerStatus
        ? { provider_status: publicProviderStatusSchema.nullable(), ...freshnessFields }
        : {}),
    })
    .strict();
}

/** `GET /payments`: one page of payments and the cursor of the next one. */
export function listEnvelopeSchema() {
  return z
    .object({
      success: z.literal(true),
      message: z.string(),
      data: z.array(publicPaymentSchema).describe("The caller's payments, newest first"),
      next_cursor: z
        .string()
        .nullable()
        .describe('Pass back as `cursor` for the next page; null on the last page'),
    })
    .strict();
}

/** `GET /payments/:id/audit`: the payment, its audit entries (oldest first) and its events (by seq). */
export function auditEnvelopeSchema() {
  const data = z.record(z.string(), z.unknown());
  return z
    .object({
      success: z.literal(true),
      message: z.string(),
      data: publicPaymentSchema,
      audit: z
        .array(
          z
            .object({
              at: isoDate,
              kind: z.enum([
                'provider_request',
                'provider_response',
                'transition',
                'transition_ignored',
                'webhook',
                'retry',
                'cancel',
                'note',
              ]),
              data: data.describe('Secrets removed and phone numbers masked when the entry was written'),
            })
            .strict(),
        )
        .describe('ClickPesa requests and answers, webhooks and transitions, oldest first'),
      events: z
        .array(
          z
            .object({ id: z.string(), seq: z.number().int(), type: z.string(), occurred_at: isoDate, data })
            .strict(),
        )
        .describe("The payment's stored events in order (seq)"),
    })
    .strict();
}

/** `GET /payments` query parameters (all optional). */
export const listPaymentsQuerySchema = z
  .object({
    external_order_id: z.string().min(1).max(100).optional().describe('Only payments made for this order'),
    status: z
      .enum(['pending', 'processing', 'success', 'failed', 'cancelled', 'reversed'])
      .optional()
      .describe('Only payments in this status'),
    limit: z.coerce.number().int().min(1).max(100).optional().describe('Page size, 1 to 100 [20]'),
    cursor: z.string().optional().describe('`next_cursor` of the previous page'),
  })
  .strict();

/** The long poll's query: `GET /payments/:id/status?wait=30&known=processing`. */
export const statusWaitQuerySchema = z
  .object({
    wait: z
      .string()
      .regex(/^\d{1,6}(\.\d{1,3})?$/)
      .optional()
      .describe('Hold the answer up to this many seconds until the status changes (capped, default cap 30)'),
    known: z
      .enum(['pending', 'processing', 'success', 'failed', 'cancelled', 'reversed'])
      .optional()
      .describe(
        'The status the client already has (else If-None-Match with an earlier ETag, else the current one)',
      ),
  })
  .strict();

/** The event stream's body as documented: Server-Sent Events, each `data` one Payment. */
export const paymentEventStreamSchema = z
  .string()
  .describe(
    'Server-Sent Events: `event: payment`, `id: <version>`, `data: <Payment JSON>`; the current payment first, then each status change; the stream ends after a final status. Comment lines (`: heartbeat`) keep it open.',
  );

/** The error envelope, its `error.code` limited to `codes`. */
export function errorEnvelopeSchema(codes: readonly ErrorCode[]) {
  return z
    .object({
      success: z.literal(false),
      message: z.string(),
      error: z
        .object({
          code: z.enum(codes as [ErrorCode, ...ErrorCode[]]),
          details: z.array(errorDetailSchema).optional(),
        })
        .strict(),
      data: publicPaymentSchema
        .optional()
        .describe(
          'The failed payment, with 422 PAYMENT_REJECTED and 503; the payment holding the order, with 409 ORDER_HAS_ACTIVE_PAYMENT',
        ),
    })
    .strict();
}

/** Every error code, with the status it is answered with. */
export function statusOf(code: ErrorCode): number {
  return ERROR_CODES[code].httpStatus;
}

const healthCheckSchema = z
  .object({ ok: z.boolean() })
  .catchall(z.unknown())
  .describe('One check: `ok`, and what it saw (no ids, no secrets, no error text)');

/** `GET /health/live`: the process answers. */
export const liveEnvelopeSchema = z
  .object({ success: z.literal(true), message: z.string(), status: z.literal('alive') })
  .strict();

/** `GET /health/ready`: 200 when every check is ok, 503 (same shape) when one is not. */
export const readyEnvelopeSchema = z
  .object({
    success: z.boolean(),
    message: z.string(),
    status: z.enum(['ready', 'not_ready']),
    checks: z
      .object({
        store: healthCheckSchema.describe('`store.ping()` within the timeout; `latencyMs`'),
        poller: healthCheckSchema.describe('running, with a fresh heartbeat; `lastTickAgeMs`'),
        circuit: healthCheckSchema.describe('the provider circuit breaker is not open; `state`'),
        budget: healthCheckSchema.describe('the request budget: `pausedForMs`, `waiting` calls'),
        outbox: healthCheckSchema.describe(
          'undelivered events: `pending`, `deadLetters`, `oldestPendingAgeMs` under the limit',
        ),
      })
      .strict(),
  })
  .strict();
