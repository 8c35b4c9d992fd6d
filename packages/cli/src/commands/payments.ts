import { PAYMENT_STATUSES, type PaymentRecord, type PaymentStatus } from '@clickpesa-kit/core';
import type { AuditEntry, StoredEvent } from '@clickpesa-kit/core/store';
import type { Command } from '../context.js';
import { formatAge, parseDuration } from '../durations.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { iso, maskMsisdn, paymentJson, toJson } from '../render.js';
import { clip, renderFields, renderTable } from '../table.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;
const PAGE = 200;

/**
 * `payments list [--status s] [--older-than 10m] [--limit n]`: every owner's payments, newest first. With
 * `--older-than`, only those created longer ago than that, and finding any exits 1 (stuck payments).
 */
export const listPayments: Command = async (ctx) => {
  const { store, options } = ctx;
  if (typeof store.listAllPayments !== 'function') {
    throw new UsageError(`The ${store.kind} store cannot list payments across owners (no listAllPayments)`);
  }
  const status = parseStatus(options.status);
  const limit = parseLimit(options.limit, DEFAULT_LIMIT, MAX_LIMIT);
  const olderThanMs =
    options['older-than'] === undefined ? null : parseDuration(options['older-than'], '--older-than');
  // "older than": a keyset position at the cutoff instant (empty id) keeps only payments created before it
  let before =
    olderThanMs === null ? undefined : { createdAt: new Date(ctx.now.getTime() - olderThanMs), id: '' };
  const found: PaymentRecord[] = [];
  while (found.length < limit) {
    const want = Math.min(PAGE, limit - found.length);
    const page = await store.listAllPayments({
      limit: want,
      ...(status ? { status } : {}),
      ...(before ? { before } : {}),
    });
    found.push(...page);
    const last = page.at(-1);
    if (!last || page.length < want) break;
    before = { createdAt: last.createdAt, id: last.id };
  }
  if (options.json) ctx.print(toJson(found.map(paymentJson)));
  else if (found.length === 0) ctx.print('No payments match.');
  else {
    ctx.print(
      renderTable(
        ['ID', 'REFERENCE', 'STATUS', 'AMOUNT', 'OWNER', 'AGE', 'CHECKS', 'NEXT CHECK', 'FLAGS'],
        found.map((payment) => [
          payment.id,
          payment.orderReference,
          payment.status,
          payment.amount,
          clip(payment.ownerId, 16),
          formatAge(ctx.now.getTime() - payment.createdAt.getTime()),
          String(payment.pollCount),
          payment.nextPollAt ? formatAge(payment.nextPollAt.getTime() - ctx.now.getTime()) : '-',
          flags(payment),
        ]),
      ),
    );
  }
  return olderThanMs !== null && found.length > 0 ? EXIT.found : EXIT.ok;
};

/** `payments show <id|reference>`: the payment, its events and its audit trail. Unknown → exit 1. */
export const showPayment: Command = async (ctx) => {
  const key = ctx.args[0];
  if (!key || ctx.args.length > 1)
    throw new UsageError('payments show takes one payment id or order reference');
  const payment = (await ctx.store.getPayment(key)) ?? (await ctx.store.getPaymentByOrderReference(key));
  if (!payment) {
    if (ctx.options.json) ctx.print(toJson({ found: false, key }));
    else ctx.print(`No payment with id or order reference ${key}.`);
    return EXIT.found;
  }
  const [events, audit] = await Promise.all([
    ctx.store.listEvents(payment.id),
    ctx.store.listAudit(payment.id),
  ]);
  events.sort((a, b) => a.seq - b.seq);
  audit.sort((a, b) => a.at.getTime() - b.at.getTime());
  if (ctx.options.json) {
    ctx.print(
      toJson({
        payment: paymentJson(payment),
        events: events.map(eventJson),
        audit: audit.map((entry) => ({ at: entry.at.toISOString(), kind: entry.kind, data: entry.data })),
      }),
    );
    return EXIT.ok;
  }
  ctx.print(paymentDetails(payment, ctx.now));
  ctx.print(`\nEvents (${events.length})`);
  ctx.print(
    renderTable(
      ['SEQ', 'AT', 'TYPE', 'CHANGE', 'SOURCE'],
      events.map((event) => [
        String(event.seq),
        iso(event.occurredAt),
        event.type,
        event.data.from && event.data.to ? `${String(event.data.from)} → ${String(event.data.to)}` : '',
        typeof event.data.source === 'string' ? event.data.source : '',
      ]),
    ),
  );
  ctx.print(`\nAudit trail (${audit.length})`);
  ctx.print(
    renderTable(
      ['AT', 'KIND', 'DETAIL'],
      audit.map((entry) => [iso(entry.at), entry.kind, auditDetail(entry)]),
    ),
  );
  return EXIT.ok;
};

function paymentDetails(payment: PaymentRecord, now: Date): string {
  return renderFields([
    ['id', payment.id],
    ['owner', payment.ownerId],
    ['status', payment.status + (flags(payment) ? ` (${flags(payment)})` : '')],
    ['amount', `${payment.amount} ${payment.currency}`],
    ['phone', `${maskMsisdn(payment.msisdn)} (${payment.provider})`],
    ['reference', payment.orderReference],
    ['earlier references', payment.orderReferences.slice(0, -1).join(', ') || '-'],
    ['transaction id', payment.transactionId ?? '-'],
    ['external order', payment.externalOrderId ?? '-'],
    ['failure', payment.failureReason ? `${payment.failureReason}: ${payment.errorMessage ?? ''}` : '-'],
    ['ClickPesa status', payment.providerStatus?.status ?? '-'],
    ['attempts', String(payment.attempts)],
    ['created', `${iso(payment.createdAt)} (${formatAge(now.getTime() - payment.createdAt.getTime())} ago)`],
    ['updated', iso(payment.updatedAt)],
    ['last check', iso(payment.lastCheckedAt)],
    ['next check', iso(payment.nextPollAt)],
    ['checks', String(payment.pollCount)],
  ]);
}

function flags(payment: PaymentRecord): string {
  return [payment.needsAttention ? 'needs attention' : '', payment.amountMismatch ? 'amount mismatch' : '']
    .filter(Boolean)
    .join(', ');
}

/** One line per audit entry: what was called or received, and how it went. */
function auditDetail(entry: AuditEntry): string {
  const data = entry.data;
  const parts = [
    data.endpoint,
    data.outcome,
    data.status === undefined ? undefined : `status ${String(data.status)}`,
    data.durationMs === undefined ? undefined : `${String(data.durationMs)} ms`,
    data.from && data.to ? `${String(data.from)} → ${String(data.to)}` : undefined,
    (data.error as { code?: unknown } | undefined)?.code,
  ].filter((part) => part !== undefined && part !== null && part !== '');
  return clip(parts.length > 0 ? parts.map(String).join(' · ') : JSON.stringify(data), 90);
}

function eventJson(event: StoredEvent): Record<string, unknown> {
  return {
    id: event.id,
    seq: event.seq,
    position: event.position,
    type: event.type,
    occurredAt: event.occurredAt.toISOString(),
    data: event.data,
  };
}

function parseStatus(text: string | undefined): PaymentStatus | undefined {
  if (text === undefined) return undefined;
  if (!(PAYMENT_STATUSES as readonly string[]).includes(text)) {
    throw new UsageError(`--status must be one of ${PAYMENT_STATUSES.join(', ')} (got "${text}")`);
  }
  return text as PaymentStatus;
}

export function parseLimit(text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1 || limit > max) {
    throw new UsageError(`--limit must be a whole number from 1 to ${max} (got "${text}")`);
  }
  return limit;
}
