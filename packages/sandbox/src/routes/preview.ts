import type { ApiRequest, SandboxContext } from '../context.js';
import { jsonReply, type Reply } from '../reply.js';
import type { Channel } from '../types.js';
import { checkUssdPushCall, referenceUsed } from './ussd-push-body.js';

const ALL_CHANNELS: Channel[] = ['M-PESA', 'AIRTEL-MONEY', 'TIGO-PESA', 'HALOPESA'];

/** `POST /payments/preview-ussd-push-request`: validates and reports which wallets would take it. */
export function previewUssdPush(ctx: SandboxContext, request: ApiRequest): Reply {
  const checked = checkUssdPushCall(ctx, request, { phoneRequired: false });
  if (!checked.ok) return checked.reply;
  const push = checked.value;
  if (ctx.config.duplicateReference === '409' && ctx.ledger.has(push.orderReference)) {
    return referenceUsed(push.orderReference);
  }
  const channels = push.phone ? [push.phone.channel] : ALL_CHANNELS;
  const activeMethods = channels.map((name) => ({ name, status: 'AVAILABLE', fee: 0, message: 'Available' }));
  if (!push.fetchSenderDetails || !push.phone) return jsonReply(200, { activeMethods });
  const { number, channel } = push.phone;
  const sender = { accountName: 'Sandbox Customer', accountNumber: number, accountProvider: channel };
  return jsonReply(200, { activeMethods, sender });
}
