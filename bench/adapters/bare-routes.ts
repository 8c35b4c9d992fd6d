/**
 * The baseline: what a host would write by hand to serve the same answers as our read routes, with none of
 * the kit's machinery (route table, id validation, record copies, secret redaction, envelope helpers).
 */
import type { PaymentRecord, ProviderPayment } from '@clickpesa-kit/core';
import { ownerOf } from './setup.js';

export type BareKind = 'get' | 'status' | 'prebuilt';

interface BareAnswer {
  status: number;
  body: object;
}

const UNAUTHORIZED: BareAnswer = { status: 401, body: { success: false, message: 'Unauthorized' } };
const NOT_FOUND: BareAnswer = { status: 404, body: { success: false, message: 'Not found' } };

/**
 * Per request, as a host's own authenticated JSON route: the same bearer check as our `authenticate` (401
 * without it), a lookup of the host's record by id (404 when unknown), and the JSON built from the record
 * (dates left as Dates for the framework's JSON.stringify). `get` answers the same JSON as our GET
 * /payments/:id, `status` the same as our status route (with `provider_status`). `prebuilt` is the floor:
 * GET's body built once at startup, so only auth, lookup, routing and serialisation are left.
 */
export class BareRoutes {
  private readonly records = new Map<string, PaymentRecord>();
  private readonly prebuilt = new Map<string, object>();

  add(payment: PaymentRecord): void {
    this.records.set(payment.id, payment);
    this.prebuilt.set(payment.id, JSON.parse(JSON.stringify(getBody(payment))) as object);
  }

  answer(kind: BareKind, authorization: string | undefined, id: string): BareAnswer {
    if (ownerOf(authorization) === null) return UNAUTHORIZED;
    if (kind === 'prebuilt') {
      const body = this.prebuilt.get(id);
      return body ? { status: 200, body } : NOT_FOUND;
    }
    const payment = this.records.get(id);
    if (!payment) return NOT_FOUND;
    return { status: 200, body: kind === 'get' ? getBody(payment) : statusBody(payment) };
  }
}

function getBody(payment: PaymentRecord) {
  return { success: true, message: 'Payment retrieved successfully', data: view(payment) };
}

function statusBody(payment: PaymentRecord) {
  return {
    success: true,
    message: 'Payment status retrieved successfully',
    data: view(payment),
    provider_status: payment.providerStatus ? providerView(payment.providerStatus) : null,
  };
}

/** A host's own mapping of its record: the fields our routes show, under the same names. */
function view(payment: PaymentRecord) {
  return {
    id: payment.id,
    transaction_id: payment.transactionId,
    reference: payment.orderReference,
    status: payment.status,
    amount: payment.amount,
    currency: payment.currency,
    msisdn: payment.msisdn,
    provider: payment.provider,
    customer_name: payment.customerName,
    error_message: payment.errorMessage,
    failure_reason: payment.failureReason,
    needs_attention: payment.needsAttention,
    attempts: payment.attempts,
    metadata: payment.metadata,
    created_at: payment.createdAt,
    updated_at: payment.updatedAt,
    completed_at: payment.completedAt,
    settled_at: payment.settledAt,
  };
}

function providerView(record: ProviderPayment) {
  return {
    id: record.id,
    status: record.status,
    orderReference: record.orderReference,
    channel: record.channel,
    collectedAmount: record.collectedAmount,
    collectedCurrency: record.collectedCurrency,
    createdAt: record.createdAt,
    message: record.message,
    updatedAt: record.updatedAt,
  };
}
