import { createHash } from 'node:crypto';
import type { PaymentRecord, ProviderPayment } from '../domain/payment.js';
import { mapProviderStatus } from '../domain/status-map.js';
import type { WebhookEvent, WebhookRejectedEvent } from '../events.js';
import { toStorableJson } from '../shared/text.js';
import type { ParsedWebhook } from '../webhook/payload.js';
import { verifyClickPesaWebhook } from '../webhook/verify.js';
import { applyEvidence } from './apply-evidence.js';
import { describeError } from './audit.js';
import { checkBy } from './check-by.js';
import { asStoreError, isStoreFailure, type ServiceContext } from './context.js';
import { checkEarlierAttempt } from './earlier-attempt.js';
import { isStale } from './freshness.js';
import type { Confirmer } from './refresh.js';
import type { WebhookInput, WebhookResult } from './types.js';

/**
 * POST /callback (WH-1..12; docs/decisions.md, decision b). Webhooks are notifications, not commands: by
 * default each one triggers a coalesced confirming query and the payload alone never changes state. Only when a
 * checksum key is configured, the checksum verified AND the host set `trustSignedWebhooks` is the payload
 * applied directly. Never throws: 200 accepted/duplicate/orphan, 400 malformed, 401 checksum, 503 our store.
 */
export async function handleWebhook(
  ctx: ServiceContext,
  confirmer: Confirmer,
  input: WebhookInput,
): Promise<WebhookResult> {
  try {
    return await processWebhook(ctx, confirmer, input);
  } catch (error) {
    if (isStoreFailure(error)) {
      ctx.logger.error(
        { err: describeError(asStoreError(error)) },
        'webhook not stored: storage unavailable',
      );
      return { status: 503, message: 'storage unavailable' };
    }
    // anything else is ours to fix, not ClickPesa's to retry forever; the poller still reconciles
    ctx.logger.error({ err: describeError(error) }, 'webhook processing failed after it was recorded');
    return { status: 200, message: 'accepted' };
  }
}

async function processWebhook(
  ctx: ServiceContext,
  confirmer: Confirmer,
  input: WebhookInput,
): Promise<WebhookResult> {
  const { checksumKeys, checksumMethod, webhookChecksumHeaders } = ctx.options;
  // a body the handler already parsed is not parsed again: the checksum covers the parsed JSON
  const checked = verifyClickPesaWebhook(input.body ?? input.rawBody, input.headers, {
    checksumKey: checksumKeys,
    checksumMethod,
    checksumHeaders: webhookChecksumHeaders,
  });
  if (!checked.ok) {
    return reject(ctx, checked.reason === 'malformed' ? 400 : 401, checked.reason, checked.message);
  }
  const { verified } = checked;
  // after verification (the checksum covers the text as sent): strings every store keeps (SEC-14)
  const webhook = toStorableJson(checked.webhook);

  const payment =
    webhook.orderReference === null
      ? null
      : await ctx.store.getPaymentByOrderReference(webhook.orderReference);
  if (!verified && payment === null) {
    // anyone can invent references: an unverified orphan is not stored, so forgeries cost no storage (WH-13)
    received(ctx, webhook, { verified, duplicate: false, orphan: true });
    return { status: 200, message: 'orphan' };
  }
  const receipt = await ctx.store.recordWebhookReceipt(
    verified
      ? {
          dedupeKey: webhook.dedupeKey,
          orderReference: webhook.orderReference,
          paymentId: payment?.id ?? null,
          eventType: webhook.eventType,
          providerStatus: webhook.record?.status ?? null,
          orphan: payment === null,
          verified,
          receivedAt: ctx.clock.now(),
          payload: webhook.payload,
        }
      : unverifiedReceipt(ctx, webhook, payment!),
  );
  const duplicate = !receipt.inserted;
  received(ctx, webhook, { verified, duplicate, orphan: payment === null });
  if (duplicate) {
    // an unverified duplicate may be the real notification after a forgery took its receipt: it is still
    // confirmed when it could change something, at most once per statusRefreshMs per payment (WH-13)
    if (!verified && payment && webhook.record && webhook.orderReference === payment.orderReference) {
      if (!tellsNothingNew(payment, webhook.record) && isStale(ctx, payment)) {
        await confirm(ctx, confirmer, payment);
      }
    }
    return { status: 200, message: 'duplicate' };
  }
  if (payment === null || webhook.record === null) return { status: 200, message: 'orphan' };

  await ctx.audit.append([
    {
      paymentId: payment.id,
      at: ctx.clock.now(),
      kind: 'webhook',
      data: {
        eventType: webhook.eventType,
        status: webhook.record.status,
        orderReference: webhook.orderReference,
        verified,
      },
    },
  ]);
  if (webhook.orderReference !== payment.orderReference) {
    await checkEarlierAttempt(ctx, payment, webhook.record);
    return { status: 200, message: 'accepted' };
  }
  if (verified && ctx.options.trustSignedWebhooks) {
    await applyEvidence(
      ctx,
      payment.id,
      { kind: 'provider', source: 'webhook', record: webhook.record },
      {
        source: 'webhook',
        payment,
        orderReference: payment.orderReference,
      },
    );
    return { status: 200, message: 'accepted' };
  }
  if (!tellsNothingNew(payment, webhook.record)) await confirm(ctx, confirmer, payment);
  return { status: 200, message: 'accepted' };
}

/**
 * An unverified webhook's receipt (WH-13): one per (payment, order reference, status class), holding a small
 * summary instead of the body. Distinct forged bodies for one payment then add at most a handful of receipts
 * and audit rows and trigger at most one confirming query per status class; the poller covers the rest.
 */
function unverifiedReceipt(ctx: ServiceContext, webhook: ParsedWebhook, payment: PaymentRecord) {
  const mapped = mapProviderStatus(webhook.record?.status);
  const statusClass = mapped.settled ? `${mapped.class}:settled` : mapped.class;
  const identity = ['unverified', payment.id, webhook.orderReference ?? '', statusClass].join('\u0000');
  return {
    dedupeKey: createHash('sha256').update(identity, 'utf8').digest('hex'),
    orderReference: webhook.orderReference,
    paymentId: payment.id,
    eventType: clip(webhook.eventType),
    providerStatus: clip(webhook.record?.status ?? null),
    orphan: false,
    verified: false,
    receivedAt: ctx.clock.now(),
    payload: { summary: true, statusClass, status: clip(webhook.record?.status ?? null) },
  };
}

/** Sender-chosen text kept from an unverified body is cut short. */
function clip(text: string | null): string | null {
  return text === null ? null : text.slice(0, 40);
}

/**
 * A notification of what we already know (FAILED for a failed payment, SUCCESS for a success) cannot change
 * anything, so it costs no ClickPesa call; anything that could move the payment is confirmed.
 */
function tellsNothingNew(payment: PaymentRecord, record: ProviderPayment): boolean {
  const mapped = mapProviderStatus(record.status);
  switch (mapped.class) {
    case 'processing':
      return payment.status === 'processing';
    case 'failed':
      return payment.status === 'failed';
    case 'success':
      return payment.status === 'success' && (!mapped.settled || payment.settledAt !== null);
    case 'reversed':
      return payment.status === 'reversed';
    default:
      return false;
  }
}

/**
 * The confirming query. With the poller's batched confirmation (`confirmWithinMs`) the answer does not wait for it;
 * otherwise it runs inline, coalesced per payment. A ClickPesa failure is not the sender's problem: 200
 * anyway, the poller keeps reconciling.
 */
async function confirm(ctx: ServiceContext, confirmer: Confirmer, payment: PaymentRecord): Promise<void> {
  const { confirmWithinMs } = ctx.options;
  if (confirmWithinMs !== undefined) {
    checkBy(ctx, payment.id, new Date(ctx.clock.now().getTime() + confirmWithinMs)).catch(
      (error: unknown) => {
        ctx.logger.warn({ paymentId: payment.id, err: describeError(error) }, 'webhook confirmation failed');
      },
    );
    return;
  }
  try {
    await confirmer.confirm(payment.id, { priority: 'user', fresh: true });
  } catch (error) {
    if (isStoreFailure(error)) throw error;
    ctx.logger.warn(
      { paymentId: payment.id, err: describeError(error) },
      'webhook confirmation query failed',
    );
  }
}

function reject(
  ctx: ServiceContext,
  status: 400 | 401,
  reason: WebhookRejectedEvent['reason'],
  message: string,
): WebhookResult {
  ctx.events.safeEmit('webhook.rejected', { reason, message });
  return { status, message };
}

function received(
  ctx: ServiceContext,
  webhook: ParsedWebhook,
  flags: Pick<WebhookEvent, 'verified' | 'duplicate' | 'orphan'>,
): void {
  ctx.events.safeEmit('webhook.received', {
    orderReference: webhook.orderReference,
    eventType: webhook.eventType,
    status: webhook.record?.status ?? null,
    ...flags,
  });
}
