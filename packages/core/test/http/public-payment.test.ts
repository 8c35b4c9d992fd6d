import { describe, expect, it } from 'vitest';
import { toPublicPayment, toPublicProviderStatus } from '../../src/http/public-payment.js';
import { paymentRecord, providerRecord } from './fake-service.js';

// The public fields of docs/http-api.md, in the order a reader expects them
const PUBLIC_FIELDS = [
  'id',
  'transaction_id',
  'reference',
  'status',
  'amount',
  'currency',
  'msisdn',
  'provider',
  'customer_name',
  'external_order_id',
  'error_message',
  'failure_reason',
  'needs_attention',
  'amount_mismatch',
  'collected_amount',
  'collected_currency',
  'attempts',
  'metadata',
  'created_at',
  'updated_at',
  'completed_at',
  'settled_at',
];

describe('toPublicPayment', () => {
  it('renders exactly the documented snake_case fields, with ISO dates', () => {
    const payment = paymentRecord({
      id: '4d6aafd6-f2c0-49e4-bb2f-aefd5bc5e5ef',
      status: 'success',
      completedAt: new Date('2025-10-01T11:52:15.000Z'),
      metadata: { order: 'A-1' },
      providerStatus: providerRecord,
      callbackUrl: 'https://example.test/hook',
      externalOrderId: 'A-1',
    });
    const rendered = toPublicPayment(payment);
    expect(Object.keys(rendered)).toEqual(PUBLIC_FIELDS);
    expect(rendered).toEqual({
      id: '4d6aafd6-f2c0-49e4-bb2f-aefd5bc5e5ef',
      transaction_id: 'LCPCANS7MP',
      reference: 'PAY3A44E1A7FC81',
      status: 'success',
      amount: '1000.00',
      currency: 'TZS',
      msisdn: '255680185784',
      provider: 'AIRTEL',
      customer_name: 'Test User',
      external_order_id: 'A-1',
      error_message: null,
      failure_reason: null,
      needs_attention: false,
      amount_mismatch: false,
      collected_amount: null,
      collected_currency: null,
      attempts: 1,
      metadata: { order: 'A-1' },
      created_at: '2025-10-01T11:51:40.000Z',
      updated_at: '2025-10-01T11:51:40.000Z',
      completed_at: '2025-10-01T11:52:15.000Z',
      settled_at: null,
    });
  });

  it('never exposes the owner, poll bookkeeping or the raw provider record', () => {
    const json = JSON.stringify(
      toPublicPayment(paymentRecord({ ownerId: 'owner-secret-id', providerStatus: providerRecord })),
    );
    for (const hidden of [
      'owner-secret-id',
      'ownerId',
      'lease',
      'nextPoll',
      'pollCount',
      'version',
      'ID2tdiKYChpI44gKitdMrrf4QPwdzOpV',
    ]) {
      expect(json).not.toContain(hidden);
    }
  });
});

describe('toPublicProviderStatus', () => {
  it('keeps the guide fields and drops the payer phone number and our client id', () => {
    const rendered = toPublicProviderStatus({
      ...providerRecord,
      message: 'Paid',
      updatedAt: '2025-10-01T11:52:15.000Z',
    });
    expect(rendered).toEqual({
      id: 'LCPCANS7MP',
      status: 'SUCCESS',
      orderReference: 'PAY3A44E1A7FC81',
      channel: 'AIRTEL-MONEY',
      collectedAmount: '1000.00',
      collectedCurrency: 'TZS',
      createdAt: '2025-10-01T11:51:42.303Z',
      message: 'Paid',
      updatedAt: '2025-10-01T11:52:15.000Z',
    });
  });
});
