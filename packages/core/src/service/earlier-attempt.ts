import { randomUUID } from 'node:crypto';
import type { PaymentRecord, ProviderPayment } from '../domain/payment.js';
import { mapProviderStatus, pickAuthoritative } from '../domain/status-map.js';
import { emitStoredEvents } from './apply-evidence.js';
import { describeError } from './audit.js';
import { fromStore, isStoreFailure, type ServiceContext } from './context.js';

/**
 * A webhook about an EARLIER attempt of a retried payment. Its news cannot move the current attempt, but a
 * late success there means money moved on a reference we gave up on (and maybe a second charge): when the
 * query confirms it, the payment is flagged `needs_attention` for a human, with the evidence in the audit log.
 */
export async function checkEarlierAttempt(
  ctx: ServiceContext,
  payment: PaymentRecord,
  claimed: ProviderPayment,
): Promise<void> {
  if (mapProviderStatus(claimed.status).class !== 'success') return;
  const orderReference = claimed.orderReference;
  let confirmed: ProviderPayment | null;
  try {
    const { result, entries } = await ctx.audit.call({
      paymentId: payment.id,
      endpoint: 'query',
      orderReference,
      run: () => ctx.client.queryPayment(orderReference, { priority: 'background' }),
      describe: (r) =>
        r.kind === 'found' ? { outcome: 'found', response: r.raw } : { outcome: 'not_found' },
    });
    await ctx.audit.append(entries);
    confirmed = result.kind === 'found' ? pickAuthoritative(result.payments) : null;
  } catch (error) {
    if (isStoreFailure(error)) throw error;
    ctx.logger.warn(
      { paymentId: payment.id, err: describeError(error) },
      'could not confirm an earlier attempt',
    );
    return;
  }
  if (confirmed === null || mapProviderStatus(confirmed.status).class !== 'success') return;

  const now = ctx.clock.now();
  ctx.logger.warn(
    { paymentId: payment.id, orderReference },
    'an earlier attempt of a retried payment succeeded',
  );
  const result = await fromStore(() =>
    ctx.store.transition({
      paymentId: payment.id,
      expectedVersion: payment.version,
      changes: { needsAttention: true, updatedAt: now },
      events: payment.needsAttention
        ? []
        : [
            {
              id: randomUUID(),
              type: 'payment.needs_attention',
              occurredAt: now,
              data: { from: payment.status, to: payment.status, source: 'webhook' },
            },
          ],
      audit: [
        {
          paymentId: payment.id,
          at: now,
          kind: 'note',
          data: {
            note: 'earlier_attempt_succeeded',
            orderReference,
            providerStatus: confirmed.status,
            id: confirmed.id,
          },
        },
      ],
    }),
  );
  if (result.applied) emitStoredEvents(ctx, result.payment, result.events);
}
