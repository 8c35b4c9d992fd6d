import { randomUUID } from 'node:crypto';
import type { Decision, Evidence } from '../domain/evidence.js';
import type { PaymentRecord } from '../domain/payment.js';
import { nextPollAt } from '../domain/schedule.js';
import { decide } from '../domain/transition.js';
import { ClickPesaKitError, StoreConflictError } from '../errors.js';
import { type EvidenceSource, type PaymentEvent, transitionFields } from '../events.js';
import type { AuditEntry, NewEvent, PaymentChanges, StoredEvent } from '../store/contract.js';
import { fromStore, routed, type ServiceContext } from './context.js';
import { OrderHasActivePaymentError } from './order-busy.js';

/**
 * The one write path for provider evidence: read → `decide` → compare-and-set → emit. A version conflict
 * (someone else wrote in between) re-reads and decides again, so concurrent webhooks, polls and status
 * requests each see the latest state and exactly one of them applies a given transition (one event).
 */
export interface ApplyOptions {
  source: EvidenceSource;
  /** The row to start from (saves a read); later rounds always re-read. */
  payment?: PaymentRecord;
  /**
   * The order reference the evidence is about. When the payment has moved on to a newer attempt (retry), the
   * evidence is about an old push and is not applied to the new one.
   */
  orderReference?: string;
  /** Fields written together with the decision (or alone when the decision changes nothing). */
  bookkeeping?: (current: PaymentRecord, decision: Decision) => PaymentChanges;
  /** Always recompute `nextPollAt` (the poller). Otherwise it is recomputed when the status changes. */
  reschedule?: boolean;
  /** Fencing for the poller: the write applies only while this lease token is current. */
  leaseToken?: number;
  releaseLease?: boolean;
  /** Extra audit entries (provider request/response) written with the change. */
  audit?: AuditEntry[];
}

export interface ApplyResult {
  payment: PaymentRecord;
  /** True when the transition function changed the state (events were stored and emitted). */
  applied: boolean;
  /** The lease was lost or the evidence was about an earlier attempt: nothing was written. */
  stale: boolean;
}

const MAX_ROUNDS = 6;

export async function applyEvidence(
  ctx: ServiceContext,
  paymentId: string,
  evidence: Evidence,
  options: ApplyOptions,
): Promise<ApplyResult> {
  const { store, clock } = ctx;
  let current = options.payment ?? null;
  // set once the store said another payment holds the order: a success is then recorded as paid twice
  let paidTwice = false;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (current === null || round > 0) current = await fromStore(() => store.getPayment(paymentId));
    if (current === null) throw new ClickPesaKitError('NOT_FOUND', { message: 'Payment not found' });
    const now = clock.now();

    if (options.orderReference !== undefined && options.orderReference !== current.orderReference) {
      await noteStaleAttempt(ctx, current, evidence, options, now);
      return { payment: current, applied: false, stale: true };
    }

    const decision = decide(current, evidence, now, ctx.options);
    if (paidTwice) markPaidTwice(current, decision);
    const changes: PaymentChanges = {
      ...options.bookkeeping?.(current, decision),
      ...(decision.applied ? decision.changes : {}),
    };
    const statusChanged =
      decision.applied && changes.status !== undefined && changes.status !== current.status;
    if (options.reschedule || statusChanged) {
      const next = { ...current, ...changes };
      changes.nextPollAt = nextPollAt(
        next,
        next.attemptStartedAt,
        now,
        ctx.options.random,
        ctx.options.schedule,
      );
    }
    const audit = [...(options.audit ?? []), decisionAudit(current, decision, evidence, options.source, now)];

    if (!decision.applied && !changesAnything(current, changes) && options.leaseToken === undefined) {
      await ctx.audit.append(audit);
      return { payment: current, applied: false, stale: false };
    }

    changes.updatedAt = now;
    const events = decision.applied
      ? routed(ctx, { ...current, ...changes }, newEvents(decision, current, changes, options.source, now))
      : [];
    const result = await fromStore(() =>
      store.transition({
        paymentId,
        expectedVersion: current!.version,
        changes,
        events,
        audit,
        ...(options.leaseToken === undefined ? {} : { leaseToken: options.leaseToken }),
        ...(options.releaseLease ? { releaseLease: true } : {}),
      }),
    );
    if (result.applied) {
      emitStoredEvents(ctx, result.payment, result.events);
      return { payment: result.payment, applied: decision.applied, stale: false };
    }
    if (result.reason === 'not_found')
      throw new ClickPesaKitError('NOT_FOUND', { message: 'Payment not found' });
    if (result.reason === 'order_busy' && !paidTwice && becomesSuccess(current, decision)) {
      // ORD-4: money moved for an earlier attempt while another attempt holds the order. It is recorded all
      // the same, flagged for a person (the order is paid twice), and the store lets a flagged success share
      // the order. Decide again on a fresh read.
      paidTwice = true;
      current = null;
      continue;
    }
    if (result.reason === 'order_busy') {
      // ORD-2: any other change that would give the order a second holder is refused; nothing was written.
      ctx.logger.error(
        { paymentId, externalOrderId: current.externalOrderId },
        'a second payment of this order would become active; not applied',
      );
      // the ClickPesa answer and the refused decision stay in the audit log for whoever looks
      await ctx.audit.append([
        ...(options.audit ?? []),
        {
          ...audit.at(-1)!,
          kind: 'transition_ignored',
          data: { ...audit.at(-1)!.data, reason: 'order_busy' },
        },
      ]);
      throw new OrderHasActivePaymentError(null);
    }
    if (result.reason === 'stale_lease') {
      ctx.logger.info(
        { paymentId, leaseToken: options.leaseToken },
        'stale lease: another poller owns this payment',
      );
      // the ClickPesa call was made all the same: "log all responses" keeps its request and response
      await ctx.audit.append([
        ...(options.audit ?? []),
        {
          paymentId,
          at: now,
          kind: 'transition_ignored',
          data: { reason: 'stale_lease', leaseToken: options.leaseToken ?? null, source: options.source },
        },
      ]);
      return { payment: result.payment ?? current, applied: false, stale: true };
    }
    // version_conflict: somebody else wrote first; decide again on what they wrote
    current = null;
  }
  throw new StoreConflictError({ message: 'The payment kept changing; try again' });
}

/**
 * After the store accepted events: wakes the durable delivery (the outbox) first, then emits them in order on
 * the live, best-effort bus.
 */
export function emitStoredEvents(
  ctx: Pick<ServiceContext, 'events' | 'onEventsStored'>,
  payment: PaymentRecord,
  events: readonly StoredEvent[],
): void {
  if (events.length === 0) return;
  ctx.onEventsStored(events);
  for (const stored of events) {
    // the transition that stored this event left `payment` in the status its type implies
    const event = {
      id: stored.id,
      type: stored.type,
      occurredAt: stored.occurredAt,
      paymentId: stored.paymentId,
      seq: stored.seq,
      payment,
      ...transitionFields(stored.data),
    } as PaymentEvent;
    ctx.events.emitPaymentEvent(event);
  }
}

/** New event rows for a transition; `from`/`to`/`source` travel in `data` so a re-read event still has them. */
export function newEvents(
  decision: Pick<Decision, 'events'>,
  current: PaymentRecord,
  changes: PaymentChanges,
  source: EvidenceSource,
  now: Date,
): NewEvent[] {
  const to = changes.status ?? current.status;
  return decision.events.map((type) => ({
    id: randomUUID(),
    type,
    occurredAt: now,
    data: { from: current.status, to, source },
  }));
}

function becomesSuccess(current: PaymentRecord, decision: Decision): boolean {
  return decision.applied && decision.changes.status === 'success' && current.status !== 'success';
}

/**
 * A success while another payment holds the order: recorded with `needsAttention` (reason `order_paid_twice`)
 * and without `payment.succeeded`, since the order is (or will be) fulfilled through the other payment;
 * `payment.late_success` and `payment.needs_attention` tell the app that one of the two must be refunded.
 */
function markPaidTwice(current: PaymentRecord, decision: Decision): void {
  if (!becomesSuccess(current, decision) || !decision.applied) return;
  decision.changes.needsAttention = true;
  decision.attentionReason = 'order_paid_twice';
  decision.events = decision.events.filter((type) => type !== 'payment.succeeded');
  if (!decision.events.includes('payment.late_success')) decision.events.push('payment.late_success');
  if (!current.needsAttention && !decision.events.includes('payment.needs_attention')) {
    decision.events.push('payment.needs_attention');
  }
}

function decisionAudit(
  current: PaymentRecord,
  decision: Decision,
  evidence: Evidence,
  source: EvidenceSource,
  now: Date,
): AuditEntry {
  const data: Record<string, unknown> = {
    source,
    evidence: describeEvidence(evidence),
    from: current.status,
  };
  if (decision.applied) {
    data.to = decision.changes.status ?? current.status;
    data.events = decision.events;
    if (decision.attentionReason !== undefined) data.attentionReason = decision.attentionReason;
  } else {
    data.reason = decision.ignoredReason ?? 'no_change';
  }
  return {
    paymentId: current.id,
    at: now,
    kind: decision.applied ? 'transition' : 'transition_ignored',
    data,
  };
}

async function noteStaleAttempt(
  ctx: ServiceContext,
  current: PaymentRecord,
  evidence: Evidence,
  options: ApplyOptions,
  now: Date,
): Promise<void> {
  ctx.logger.warn(
    { paymentId: current.id, orderReference: options.orderReference, current: current.orderReference },
    'evidence about an earlier attempt was not applied to the current one',
  );
  await ctx.audit.append([
    ...(options.audit ?? []),
    {
      paymentId: current.id,
      at: now,
      kind: 'transition_ignored',
      data: {
        source: options.source,
        evidence: describeEvidence(evidence),
        reason: 'earlier_attempt',
        orderReference: options.orderReference,
      },
    },
  ]);
  if (options.leaseToken !== undefined && options.releaseLease) {
    await fromStore(() => ctx.store.releaseLease(current.id, options.leaseToken!));
  }
}

function describeEvidence(evidence: Evidence): Record<string, unknown> {
  switch (evidence.kind) {
    case 'provider':
      return {
        kind: evidence.kind,
        source: evidence.source,
        status: evidence.record.status,
        orderReference: evidence.record.orderReference,
        id: evidence.record.id,
      };
    case 'initiate_rejected':
    case 'initiate_ambiguous':
      return { kind: evidence.kind, message: evidence.message };
    case 'not_found':
      return { kind: evidence.kind, final: evidence.final };
    default:
      return { kind: evidence.kind };
  }
}

/** True when writing `changes` would change a stored value (dates compared by time, objects by JSON). */
function changesAnything(current: PaymentRecord, changes: PaymentChanges): boolean {
  const stored = current as unknown as Record<string, unknown>;
  return Object.entries(changes).some(([key, value]) => !sameValue(stored[key], value));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) {
    const ta = a === null || a === undefined ? null : new Date(a as Date | string).getTime();
    const tb = b === null || b === undefined ? null : new Date(b as Date | string).getTime();
    return ta === tb;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    return JSON.stringify(a) === JSON.stringify(b);
  }
  return a === b;
}
