import type { ApiRequest, SandboxContext } from '../context.js';
import { scenarioFor } from '../phone-numbers.js';
import { jsonReply, messageReply, type Reply } from '../reply.js';
import { toInitiateBody } from '../wire-shapes.js';
import { checkUssdPushCall, INVALID_PHONE, referenceUsed } from './ussd-push-body.js';

/** `POST /payments/initiate-ussd-push-request`: creates the push; the scenario engine answers it later. */
export function initiateUssdPush(ctx: SandboxContext, request: ApiRequest): Reply {
  const checked = checkUssdPushCall(ctx, request, { phoneRequired: true });
  if (!checked.ok) return checked.reply;
  const push = checked.value;
  if (!push.phone) return messageReply(400, INVALID_PHONE); // validated above; keeps the types honest

  const existing = ctx.ledger.latest(push.orderReference);
  if (existing && ctx.config.duplicateReference === '409') return referenceUsed(push.orderReference);
  if (existing && ctx.config.duplicateReference === 'existing')
    return jsonReply(200, toInitiateBody(existing));

  const payment = ctx.ledger.create({
    orderReference: push.orderReference,
    amount: push.amount,
    phoneNumber: push.phone.number,
    channel: push.phone.channel,
    scenario: scenarioFor(push.phone.number),
    clientId: ctx.config.clientId,
  });
  ctx.engine.schedule(payment);
  return jsonReply(200, toInitiateBody(payment));
}
