import { amountsEqual, parseAmount } from '../domain/amount.js';
import { ClickPesaKitError, isClickPesaKitError } from '../errors.js';
import type { ServiceContext } from './context.js';
import type { InitiatePaymentInput } from './initiate-input.js';
import type { ResolvedAmount } from './types.js';
import type { InitiateRequest, ValidatedInitiate } from './validation.js';

/**
 * The amount a new payment is charged (SEC-7). Without `resolveAmount` it is the client's (already checked).
 * With it, the server's price wins: a client amount may only repeat it, and a missing order is refused before
 * anything is stored.
 */
export async function chargedAmount(
  ctx: ServiceContext,
  ownerId: string,
  request: ValidatedInitiate,
  body: unknown,
): Promise<InitiateRequest> {
  const { resolveAmount } = ctx.options;
  if (resolveAmount === undefined) {
    // validation already required the amount; this only narrows the type
    if (request.amount === null) throw amountError('amount is required');
    return { ...request, amount: request.amount };
  }
  let resolved: ResolvedAmount | null | undefined;
  try {
    resolved = await resolveAmount({
      owner: ownerId,
      externalOrderId: request.externalOrderId,
      body: body as InitiatePaymentInput,
    });
  } catch (error) {
    // the host's own failure: a 500 for the client, the error itself for the host (error event, logs)
    if (isClickPesaKitError(error)) throw error;
    throw new ResolveAmountError('resolveAmount threw', { cause: error });
  }
  if (resolved === null || resolved === undefined) {
    throw new ClickPesaKitError('ORDER_NOT_FOUND', {
      details: [{ field: 'external_order_id', message: 'there is no order with this external_order_id' }],
    });
  }
  if (typeof resolved !== 'object' || (resolved.currency !== undefined && resolved.currency !== 'TZS')) {
    throw new ResolveAmountError('resolveAmount must return { amount, currency?: "TZS" } or null');
  }
  const limits = { min: ctx.options.minAmount, max: ctx.options.maxAmount };
  const parsed = parseAmount(resolved.amount, limits);
  if (!parsed.ok) {
    if (parsed.reason === 'below_min' || parsed.reason === 'above_max') {
      throw amountError(`the order's amount is outside the accepted range: ${parsed.message}`);
    }
    throw new ResolveAmountError(`resolveAmount returned an invalid amount (${parsed.reason})`);
  }
  if (request.amount !== null && !amountsEqual(request.amount, parsed.amount)) {
    throw amountError("amount does not match the order's amount; leave it out and the server sets it");
  }
  return { ...request, amount: parsed.amount };
}

/** A bug or outage in the host's `resolveAmount`: answered 500 INTERNAL_ERROR, its message never sent. */
export class ResolveAmountError extends Error {
  override readonly name = 'ResolveAmountError';
}

function amountError(message: string): ClickPesaKitError {
  return new ClickPesaKitError('VALIDATION_ERROR', { details: [{ field: 'amount', message }] });
}
