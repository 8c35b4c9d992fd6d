import type {
  InitiateResponseBody,
  PaymentFailedWebhook,
  PaymentReceivedWebhook,
  QueryRecord,
  SandboxPayment,
} from './types.js';

// How one ledger entry looks on each ClickPesa surface. The surfaces disagree (collectedAmount is a
// string on initiate and webhooks, a number on queries), as ClickPesa's own documents do.

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

export function toInitiateBody(payment: SandboxPayment): InitiateResponseBody {
  return {
    id: payment.id,
    status: payment.status,
    channel: payment.channel,
    orderReference: payment.orderReference,
    collectedAmount: payment.amount,
    collectedCurrency: payment.currency,
    createdAt: isoTime(payment.createdAt),
    clientId: payment.clientId,
  };
}

/** The fields the query record and PAYMENT RECEIVED have in common. */
function paymentFields(payment: SandboxPayment) {
  return {
    id: payment.id,
    status: payment.status,
    paymentReference: payment.paymentReference,
    orderReference: payment.orderReference,
    collectedCurrency: payment.currency,
    channel: payment.channel,
    message: payment.message,
    updatedAt: isoTime(payment.updatedAt),
    createdAt: isoTime(payment.createdAt),
    customer: { customerName: payment.customerName, customerPhoneNumber: payment.phoneNumber },
    clientId: payment.clientId,
  };
}

export function toQueryRecord(payment: SandboxPayment): QueryRecord {
  return {
    ...paymentFields(payment),
    paymentPhoneNumber: payment.phoneNumber,
    collectedAmount: Number(payment.amount),
  };
}

/** The newest documented PAYMENT RECEIVED payload. */
export function toPaymentReceived(payment: SandboxPayment): PaymentReceivedWebhook {
  return {
    event: 'PAYMENT RECEIVED',
    data: { ...paymentFields(payment), collectedAmount: payment.amount },
  };
}

/** ClickPesa's PAYMENT FAILED sample, `eventType` key included. */
export function toPaymentFailed(payment: SandboxPayment): PaymentFailedWebhook {
  return {
    eventType: 'PAYMENT FAILED',
    data: {
      id: payment.id,
      status: payment.status,
      orderReference: payment.orderReference,
      message: payment.message,
      updatedAt: isoTime(payment.updatedAt),
      createdAt: isoTime(payment.createdAt),
    },
  };
}
