import type { ClickPesaApi } from '../client/types.js';
import type { Clock } from '../clock.js';
import type { PaymentRecord } from '../domain/payment.js';
import { ClickPesaKitError, isClickPesaKitError, StoreUnavailableError } from '../errors.js';
import type { PaymentEvents } from '../events.js';
import type { Logger } from '../logger.js';
import type { NewEvent, PaymentStore, StoredEvent } from '../store/contract.js';
import type { AuditRecorder } from './audit.js';
import { routeEvents } from './event-routing.js';
import type { ResolvedServiceOptions } from './options.js';
import type { PushLimits } from './push-limits.js';

/** What every part of the service works with. */
export interface ServiceContext {
  store: PaymentStore;
  client: ClickPesaApi;
  events: PaymentEvents;
  clock: Clock;
  logger: Logger;
  options: ResolvedServiceOptions;
  audit: AuditRecorder;
  /** Called right after a commit that stored events (the kit wakes its event dispatcher). */
  onEventsStored: (events: readonly StoredEvent[]) => void;
  /** Called after a payment's next check was moved forward to `at` (the kit wakes its poller). */
  onCheckDue: (at: Date) => void;
  /** The push rate limits (a no-op when turned off). */
  pushLimits: PushLimits;
}

/** New events with their outbox consumers set (see event-routing.ts). */
export function routed(
  ctx: ServiceContext,
  payment: { callbackUrl: string | null },
  events: readonly NewEvent[],
): NewEvent[] {
  return routeEvents(events, payment, ctx.options.callbackNotifications);
}

/**
 * Runs a store call; anything it throws that is not already one of our errors becomes STORE_UNAVAILABLE
 * (503), so a driver's message never reaches a client and callers can tell "our storage failed" apart.
 */
export async function fromStore<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw asStoreError(error);
  }
}

export function asStoreError(error: unknown): ClickPesaKitError {
  if (isClickPesaKitError(error)) return error;
  return new StoreUnavailableError({ cause: error });
}

/** True for errors that mean our own storage failed (as opposed to ClickPesa or the request). */
export function isStoreFailure(error: unknown): boolean {
  return isClickPesaKitError(error, 'STORE_UNAVAILABLE') || !isClickPesaKitError(error);
}

/** The owner's payment, looked up with the owner in the query itself (SEC-6); anyone else's is NOT_FOUND. */
export async function getOwnedPayment(
  ctx: ServiceContext,
  ownerId: string,
  paymentId: string,
): Promise<PaymentRecord> {
  const payment = await fromStore(() => ctx.store.getPayment(paymentId, ownerId));
  if (payment === null) throw new ClickPesaKitError('NOT_FOUND', { message: 'Payment not found' });
  return payment;
}
