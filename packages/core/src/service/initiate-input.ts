import { z } from 'zod';

/**
 * The fields of a new payment as a client sends them (HTTP body of `POST /payments`, or `service.initiate`).
 * This schema gives the type and the OpenAPI description; the service still checks every field itself
 * (amount limits, operator prefixes, allowed callback URLs depend on the options) with its own messages.
 */
export const initiatePaymentInputSchema = z
  .object({
    amount: z
      .union([z.number().positive(), z.string().regex(/^\d+(\.\d{1,2})?$/)])
      .optional()
      .describe(
        'TZS, a number or a decimal string with at most two places, within minAmount..maxAmount. ' +
          'Required unless the server sets prices (resolveAmount); then optional, and refused when it differs ' +
          "from the order's amount. Send a string for exact values: a JSON number with more digits than a " +
          'double carries is refused when the toolkit reads the body itself',
      ),
    msisdn: z
      .union([z.string().min(1), z.number()])
      .describe('Tanzanian mobile number: 07XXXXXXXX, 2557XXXXXXXX or +255 7XX XXX XXX'),
    currency: z.literal('TZS').nullable().optional().describe('Only TZS; the default'),
    provider: z
      .string()
      .nullable()
      .optional()
      .describe("AIRTEL, VODACOM, TIGO (YAS, MIXX) or HALOPESA; must match the number's operator"),
    customer_name: z.string().max(100).nullable().optional(),
    external_order_id: z
      .string()
      .max(100)
      .nullable()
      .optional()
      .describe('Your own order id; required when the server sets prices (resolveAmount)'),
    metadata: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .nullable()
      .optional()
      .describe(
        'Flat object, at most 2048 bytes as JSON; no control characters (except tab, CR, LF) or unpaired surrogates',
      ),
    callback_url: z
      .string()
      .nullable()
      .optional()
      .describe('One of the URLs the server allows (allowedCallbackUrls); notified of status changes'),
  })
  .meta({ id: 'InitiatePaymentInput' });

/** What `service.initiate` and `POST /payments` take. Unknown fields do not compile (the HTTP route ignores them). */
export type InitiatePaymentInput = z.input<typeof initiatePaymentInputSchema>;

/** The owner of a payment: your user's id. Numbers are stored as their decimal string. */
export type OwnerId = string | number;
