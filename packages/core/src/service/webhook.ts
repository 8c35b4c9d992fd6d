import type { PaymentRecord, ProviderPayment } from '../domain/payment.js';
import { mapProviderStatus } from '../domain/status-map.js';
import type { WebhookEvent, WebhookRejectedEvent } from '../events.js';
import { verifyChecksum } from '../shared/checksum.js';
import { applyEvidence } from './apply-evidence.js';
import { describeError } from './audit.js';
import { checkBy } from './check-by.js';
import { asStoreError, isStoreFailure, type ServiceContext } from './context.js';
import { checkEarlierAttempt } from './earlier-attempt.js';
import type { Confirmer } from './refresh.js';
import type { WebhookInput, WebhookResult } from './types.js';
import { type ParsedWebhook, parseWebhook } from './webhook-payload.js';

/**
 * POST /callback (reliability.md WH-1..14, decision b). Webhooks are notifications, not commands: by default
 * each one triggers a coalesced confirming query and the payload alone never changes state. Only when a
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
  const parsed = parseWebhook(input);
  if (!parsed.ok) return reject(ctx, 400, 'malformed', parsed.message);
  const webhook = parsed.webhook;

  const signature = checkSignature(ctx, webhook.body, input.headers);
  if (signature === 'missing') return reject(ctx, 401, 'missing_checksum', 'missing checksum');
  if (signature === 'invalid') return reject(ctx, 401, 'bad_checksum', 'bad checksum');
  const verified = signature === 'verified';

  const payment =
    webhook.orderReference === null
      ? null
      : await ctx.store.getPaymentByOrderReference(webhook.orderReference);
  const receipt = await ctx.store.recordWebhookReceipt({
    dedupeKey: webhook.dedupeKey,
    orderReference: webhook.orderReference,
    paymentId: payment?.id ?? null,
    eventType: webhook.eventType,
    providerStatus: webhook.record?.status ?? null,
    orphan: payment === null,
    verified,
    receivedAt: ctx.clock.now(),
    payload: webhook.payload,
  });
  const duplicate = !receipt.inserted;
  received(ctx, webhook, { verified, duplicate, orphan: payment === null });
  if (duplicate) return { status: 200, message: 'duplicate' };
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

type SignatureCheck = 'verified' | 'unverified' | 'missing' | 'invalid';

/**
 * The checksum (decision b): first the body's own top-level `checksum` (+ `checksumMethod`), then the
 * configured headers. Without a configured key nothing can be verified (and nothing is trusted). Never throws
 * on odd input ("", short, non-hex, arrays): those are simply invalid.
 */
function checkSignature(
  ctx: ServiceContext,
  body: Record<string, unknown>,
  headers: WebhookInput['headers'],
): SignatureCheck {
  const { checksumKeys, checksumMethod, webhookChecksumHeaders } = ctx.options;
  if (checksumKeys.length === 0) return 'unverified';
  let checksum: unknown = body.checksum;
  if (checksum === undefined) {
    for (const name of webhookChecksumHeaders) {
      const value = headerValue(headers, name);
      if (value !== undefined) {
        checksum = value;
        break;
      }
    }
  }
  if (checksum === undefined || checksum === null) return 'missing';
  const method = body.checksumMethod ?? checksumMethod;
  // the legacy algorithm only when the host opted in (WH-1)
  if (method !== 'canonical' && !(method === 'legacy' && checksumMethod === 'legacy')) return 'invalid';
  return verifyChecksum(body, checksum, checksumKeys, method) ? 'verified' : 'invalid';
}

/** A header by lower-case name; a repeated header (array) is kept as an array, which never verifies. */
function headerValue(headers: WebhookInput['headers'], name: string): unknown {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    return Array.isArray(value) && value.length === 1 ? value[0] : value;
  }
  return undefined;
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
