import type { ApiRequest, SandboxContext } from '../context.js';
import { channelFor, scenarioFor } from '../phone-numbers.js';
import { messageReply, type Reply } from '../reply.js';
import type { Channel } from '../types.js';
import { requireChecksum, requireToken } from './guards.js';

export interface UssdPushBody {
  amount: string;
  currency: 'TZS';
  orderReference: string;
  /** Absent only on a preview that named no phone. */
  phone?: { number: string; channel: Channel };
  fetchSenderDetails: boolean;
}

const NUMERIC_STRING = /^\d+(?:\.\d+)?$/;
const ORDER_REFERENCE = /^[A-Za-z0-9]+$/;

export const INVALID_PHONE = 'Invalid / unsupported phone number';
export const INVALID_REFERENCE =
  'Invalid Order Reference, should only contain alphanumeric characters and cannot be blank';

export function asObject(body: unknown): Record<string, unknown> {
  return body !== null && typeof body === 'object' && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}

/**
 * The checks ClickPesa documents for preview and initiate, with its messages verbatim where it has
 * them. Returns the 400 to send, or the typed body.
 */
export function validateUssdPushBody(
  body: Record<string, unknown>,
  { phoneRequired }: { phoneRequired: boolean },
): { ok: true; value: UssdPushBody } | { ok: false; reply: Reply } {
  const { amount, currency, orderReference, phoneNumber } = body;
  const fail = (message: string) => ({ ok: false as const, reply: messageReply(400, message) });

  if (typeof amount !== 'string' || !NUMERIC_STRING.test(amount))
    return fail('amount must be a numeric string');
  if (!/[1-9]/.test(amount)) return fail('amount must be greater than 0');
  if (currency !== 'TZS') return fail('currency must be one of the following values: TZS');
  if (typeof orderReference !== 'string' || !ORDER_REFERENCE.test(orderReference))
    return fail(INVALID_REFERENCE);

  if (phoneNumber === undefined && !phoneRequired) {
    return { ok: true, value: { amount, currency, orderReference, fetchSenderDetails: false } };
  }
  if (typeof phoneNumber !== 'string') return fail(INVALID_PHONE);
  const channel = channelFor(phoneNumber);
  if (!channel || scenarioFor(phoneNumber) === 'invalid-number') return fail(INVALID_PHONE);
  return {
    ok: true,
    value: {
      amount,
      currency,
      orderReference,
      phone: { number: phoneNumber, channel },
      fetchSenderDetails: body.fetchSenderDetails === true,
    },
  };
}

/** Token, then checksum, then body: the order ClickPesa's checks run in for preview and initiate. */
export function checkUssdPushCall(
  ctx: SandboxContext,
  request: ApiRequest,
  options: { phoneRequired: boolean },
): { ok: true; value: UssdPushBody } | { ok: false; reply: Reply } {
  const refusal = requireToken(ctx, request) ?? requireChecksum(ctx, asObject(request.body));
  if (refusal) return { ok: false, reply: refusal };
  return validateUssdPushBody(asObject(request.body), options);
}

export function referenceUsed(orderReference: string): Reply {
  return messageReply(409, `Order reference ${orderReference} already used: Create a different reference`);
}
