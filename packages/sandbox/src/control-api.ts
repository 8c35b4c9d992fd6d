import type { ApiRequest, SandboxConfig } from './context.js';
import type { SandboxController } from './controller.js';
import { faultSpecProblem } from './faults.js';
import { UnknownPaymentError } from './ledger.js';
import { renderPhoneFragment, renderPhonePage } from './phone-page.js';
import { jsonReply, messageReply, type Reply } from './reply.js';
import { asObject } from './routes/ussd-push-body.js';
import { PaymentStateError } from './scenario-engine.js';
import type { EndpointClass, FaultSpec, SendWebhookOptions } from './types.js';

export const CONTROL_PREFIX = '/__sandbox';

const PAYMENT_ACTION = /^\/payments\/([^/]+)\/(approve|reject|status|webhook)$/;

export interface ControlDeps {
  controller: SandboxController;
  config: SandboxConfig;
  baseUrl: () => string;
}

/** The order reference a control path is about, for the request log. */
export function controlReference(path: string): string | undefined {
  const match = PAYMENT_ACTION.exec(path.slice(CONTROL_PREFIX.length));
  return match?.[1] === undefined ? undefined : safeDecode(match[1]);
}

export function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function htmlReply(html: string): Reply {
  return {
    status: 200,
    text: html,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
  };
}

/** `/__sandbox/...`: the phone page and the controls tests and humans use. */
export async function handleControl(deps: ControlDeps, request: ApiRequest): Promise<Reply | undefined> {
  const { controller, config } = deps;
  const path = request.path.slice(CONTROL_PREFIX.length);
  const route = `${request.method} ${path}`;

  switch (route) {
    case 'GET ':
    case 'GET /':
      return htmlReply(renderPhonePage(controller.allPayments(), config.merchantName, deps.baseUrl()));
    case 'GET /prompts':
      return htmlReply(renderPhoneFragment(controller.allPayments(), config.merchantName));
    case 'GET /payments':
      return jsonReply(200, controller.allPayments());
    case 'GET /requests':
      return jsonReply(200, filteredRequests(controller, request.query));
    case 'GET /webhooks':
      return jsonReply(200, controller.webhooks);
    case 'POST /reset':
      controller.reset();
      return jsonReply(200, { ok: true });
    case 'POST /tokens/expire':
      controller.expireTokens();
      return jsonReply(200, { ok: true });
    case 'POST /faults':
      return armFaults(controller, request.body);
    case 'POST /seed':
      return seedPayment(controller, request.body);
    case 'DELETE /faults':
      controller.clearFaults();
      return jsonReply(200, { ok: true });
  }

  const action = PAYMENT_ACTION.exec(path);
  if (request.method !== 'POST' || !action?.[1]) return undefined;
  return paymentAction(controller, safeDecode(action[1]), action[2] ?? '', asObject(request.body));
}

function filteredRequests(controller: SandboxController, query: URLSearchParams) {
  const endpoint = query.get('endpoint') as EndpointClass | null;
  const orderReference = query.get('orderReference');
  return controller.requests.filter(
    (entry) =>
      (endpoint === null || entry.endpoint === endpoint) &&
      (orderReference === null || entry.orderReference === orderReference),
  );
}

function armFaults(controller: SandboxController, body: unknown): Reply {
  const specs = Array.isArray(body) ? body : [body];
  for (const spec of specs) {
    const problem = faultSpecProblem(spec);
    if (problem) return messageReply(400, problem);
  }
  for (const spec of specs) controller.fault(spec as FaultSpec);
  return jsonReply(201, { armed: specs.length });
}

/** `POST /__sandbox/seed` `{ orderReference, amount, status?, phoneNumber?, message? }`: see `seedPayment`. */
function seedPayment(controller: SandboxController, body: unknown): Reply {
  const input = asObject(body);
  const text = (name: string) =>
    typeof input[name] === 'string' && input[name] !== '' ? input[name] : undefined;
  const orderReference = text('orderReference');
  const amount = text('amount');
  if (!orderReference || !amount || !/^\d+(\.\d{1,2})?$/.test(amount)) {
    return messageReply(400, 'orderReference and amount (a decimal string) are required');
  }
  const status = text('status');
  const phoneNumber = text('phoneNumber');
  const message = text('message');
  return jsonReply(
    201,
    controller.seedPayment({
      orderReference,
      amount,
      ...(status ? { status } : {}),
      ...(phoneNumber ? { phoneNumber } : {}),
      ...(message ? { message } : {}),
    }),
  );
}

async function paymentAction(
  controller: SandboxController,
  orderReference: string,
  action: string,
  body: Record<string, unknown>,
): Promise<Reply> {
  const message = typeof body.message === 'string' ? body.message : undefined;
  try {
    switch (action) {
      case 'approve':
        return jsonReply(200, controller.approve(orderReference));
      case 'reject':
        return jsonReply(200, controller.reject(orderReference, message));
      case 'status':
        if (typeof body.status !== 'string' || body.status === '')
          return messageReply(400, 'status is required');
        return jsonReply(200, controller.setStatus(orderReference, body.status, message));
      default: {
        const status = await controller.sendWebhook(orderReference, webhookOptions(body));
        return jsonReply(200, { status });
      }
    }
  } catch (error) {
    if (error instanceof UnknownPaymentError) return messageReply(404, error.message);
    if (error instanceof PaymentStateError) return messageReply(409, error.message);
    throw error;
  }
}

function webhookOptions(body: Record<string, unknown>): SendWebhookOptions {
  const options: SendWebhookOptions = {};
  if (body.event === 'PAYMENT RECEIVED' || body.event === 'PAYMENT FAILED') options.event = body.event;
  if (typeof body.signed === 'boolean') options.signed = body.signed;
  if (body.checksumMethod === 'canonical' || body.checksumMethod === 'legacy')
    options.checksumMethod = body.checksumMethod;
  if (typeof body.retry === 'boolean') options.retry = body.retry;
  return options;
}
