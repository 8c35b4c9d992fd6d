import type {
  PaymentStatus as CorePaymentStatus,
  ErrorCode,
  PublicPayment,
  PublicProviderStatus,
} from '@clickpesa-kit/core';
import { describe, expectTypeOf, it } from 'vitest';
import type { Payment, PaymentStatus, ProviderStatus, ServerErrorCode } from '../src/index.js';

/**
 * The client keeps its own copy of the wire types (it must not depend on core). These checks run in
 * `pnpm typecheck` and fail the build when the server's shapes drift from the client's.
 */
describe('the client’s wire types match the server’s', () => {
  it('Payment has exactly the fields the server sends, and the server’s payment fits it', () => {
    expectTypeOf<keyof Payment>().toEqualTypeOf<keyof PublicPayment>();
    expectTypeOf<PublicPayment>().toExtend<Payment>();
  });

  it('ProviderStatus has exactly the server’s fields, and the server’s record fits it', () => {
    expectTypeOf<keyof ProviderStatus>().toEqualTypeOf<keyof PublicProviderStatus>();
    expectTypeOf<PublicProviderStatus>().toExtend<ProviderStatus>();
  });

  it('statuses and error codes are the same lists', () => {
    expectTypeOf<PaymentStatus>().toEqualTypeOf<CorePaymentStatus>();
    expectTypeOf<ServerErrorCode>().toEqualTypeOf<ErrorCode>();
  });
});
