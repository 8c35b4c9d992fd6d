import type { ApiRequest, SandboxContext } from '../context.js';
import { jsonReply, messageReply, type Reply } from '../reply.js';
import type { SandboxPayment } from '../types.js';
import { toQueryRecord } from '../wire-shapes.js';
import { requireToken } from './guards.js';

/** Pushes the query endpoints can see: a just-created one may stay invisible for visibilityDelayMs. */
export function visiblePayments(ctx: SandboxContext, payments: SandboxPayment[]): SandboxPayment[] {
  const visibleFrom = ctx.now() - ctx.config.visibilityDelayMs;
  return payments.filter((payment) => payment.createdAt <= visibleFrom);
}

/** `GET /payments/{orderReference}`: always an array; unknown → 404 (or `[]` in empty-array mode). */
export function queryPayment(ctx: SandboxContext, request: ApiRequest): Reply {
  const denied = requireToken(ctx, request);
  if (denied) return denied;
  const orderReference = request.orderReference ?? '';
  const attempts = visiblePayments(ctx, ctx.ledger.attempts(orderReference));
  if (attempts.length === 0 && ctx.config.notFoundMode === '404') {
    return messageReply(404, `Invalid or missing payment: ${orderReference}`);
  }
  return jsonReply(200, attempts.map(toQueryRecord));
}
