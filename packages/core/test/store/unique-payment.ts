import { randomUUID } from 'node:crypto';
import type { PaymentRecord } from '../../src/domain/payment.js';
import { payment as basePayment } from '../domain/transition-fixtures.js';

/** A pending payment with its own id and order reference. */
export function payment(overrides: Partial<PaymentRecord> = {}): PaymentRecord {
  const reference = `PAY${randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase()}`;
  return basePayment({
    id: randomUUID(),
    orderReference: reference,
    orderReferences: [reference],
    ...overrides,
  });
}
