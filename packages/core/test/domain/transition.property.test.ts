import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Evidence } from '../../src/domain/evidence.js';
import type { FailureReason, PaymentRecord, PaymentStatus } from '../../src/domain/payment.js';
import { decide, rankOf } from '../../src/domain/transition.js';
import type { PaymentEventType } from '../../src/events.js';
import { payment, provider, T0 } from './transition-fixtures.js';

/**
 * Property test (SM-1): random sequences of evidence, with duplicates and any order, through `decide`.
 * The oracle below does not simulate a state machine: it reads the outcome off the sequence in closed form
 * ("the first success wins unless a reversal follows it; otherwise the first applicable give-up; ...").
 */

type Tag =
  | 'processing'
  | 'success'
  | 'success_low'
  | 'settled'
  | 'failed'
  | 'reversed'
  | 'attention'
  | 'rejected'
  | 'ambiguous'
  | 'not_found'
  | 'not_found_final'
  | 'timeout'
  | 'cancel';

interface Tagged {
  tag: Tag;
  evidence: Evidence;
}

const sources = ['initiate', 'query', 'webhook', 'poller'] as const;

const taggedEvidence: fc.Arbitrary<Tagged> = fc.oneof(
  fc
    .record({
      status: fc.constantFrom('PROCESSING', 'PENDING', 'processing'),
      source: fc.constantFrom(...sources),
    })
    .map(({ status, source }) => ({ tag: 'processing' as const, evidence: provider(status, {}, source) })),
  fc
    .record({ amount: fc.constantFrom('1000', '1000.00', 1000), source: fc.constantFrom(...sources) })
    .map(({ amount, source }) => ({
      tag: 'success' as const,
      evidence: provider('SUCCESS', { collectedAmount: String(amount) }, source),
    })),
  fc.constantFrom('0', '900').map((amount) => ({
    tag: 'success_low' as const,
    evidence: provider('SUCCESS', { collectedAmount: amount }),
  })),
  fc.constant({ tag: 'settled' as const, evidence: provider('SETTLED') }),
  fc.constantFrom('Insufficient balance', 'Payment rejected by customer').map((message) => ({
    tag: 'failed' as const,
    evidence: provider('FAILED', { message }),
  })),
  fc
    .constantFrom('REFUNDED', 'REVERSED')
    .map((status) => ({ tag: 'reversed' as const, evidence: provider(status) })),
  fc
    .constantFrom('ON-HOLD', 'WEIRD', 'EXPIRED')
    .map((status) => ({ tag: 'attention' as const, evidence: provider(status) })),
  fc.constant({
    tag: 'rejected' as const,
    evidence: { kind: 'initiate_rejected', message: 'Invalid / unsupported phone number' } as Evidence,
  }),
  fc.constant({
    tag: 'ambiguous' as const,
    evidence: { kind: 'initiate_ambiguous', message: 'socket hang up' } as Evidence,
  }),
  fc.constant({ tag: 'not_found' as const, evidence: { kind: 'not_found', final: false } as Evidence }),
  fc.constant({ tag: 'not_found_final' as const, evidence: { kind: 'not_found', final: true } as Evidence }),
  fc.constant({ tag: 'timeout' as const, evidence: { kind: 'timeout' } as Evidence }),
  fc.constant({ tag: 'cancel' as const, evidence: { kind: 'cancel' } as Evidence }),
);

/** Sequences drawn from a small pool, then some entries repeated: duplicates and reordering are the norm. */
const sequences: fc.Arbitrary<Tagged[]> = fc
  .tuple(fc.array(taggedEvidence, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 14 }))
  .map(([pool, picks]) => [...pool, ...picks.map((pick) => pool[pick % pool.length]!)])
  .chain((items) => fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length }));

interface Expected {
  status: PaymentStatus;
  failureReason: FailureReason | null;
  settled: boolean;
  needsAttention: boolean;
  events: Partial<Record<PaymentEventType, number>>;
}

const SUCCESS_TAGS: ReadonlySet<Tag> = new Set(['success', 'success_low', 'settled']);
const GIVE_UP: Readonly<
  Partial<Record<Tag, { status: PaymentStatus; reason: FailureReason | null; fromProcessing: boolean }>>
> = {
  failed: { status: 'failed', reason: 'provider_failed', fromProcessing: true },
  timeout: { status: 'failed', reason: 'timeout', fromProcessing: true },
  cancel: { status: 'cancelled', reason: null, fromProcessing: true },
  rejected: { status: 'failed', reason: 'initiation_rejected', fromProcessing: false },
  not_found_final: { status: 'failed', reason: 'not_found', fromProcessing: false },
};

function oracle(tags: Tag[]): Expected {
  const firstIndex = (predicate: (tag: Tag, index: number) => boolean, from = 0) => {
    for (let i = from; i < tags.length; i++) if (predicate(tags[i]!, i)) return i;
    return -1;
  };
  const firstProcessing = firstIndex((tag) => tag === 'processing');
  const success = firstIndex((tag) => SUCCESS_TAGS.has(tag));
  // a give-up applies from pending (and from processing for FAILED/timeout/cancel), i.e. before any success
  const giveUp = firstIndex((tag, i) => {
    const rule = GIVE_UP[tag];
    if (!rule || (success !== -1 && i > success)) return false;
    return rule.fromProcessing || firstProcessing === -1 || firstProcessing > i;
  });
  const reversal = success === -1 ? -1 : firstIndex((tag) => tag === 'reversed', success + 1);
  const movedOffPending = Math.min(...[success, giveUp].filter((i) => i !== -1), Number.POSITIVE_INFINITY);
  const processingApplied = firstProcessing !== -1 && firstProcessing < movedOffPending;

  let status: PaymentStatus = processingApplied ? 'processing' : 'pending';
  let failureReason: FailureReason | null = null;
  if (giveUp !== -1) {
    const rule = GIVE_UP[tags[giveUp]!]!;
    status = rule.status;
    failureReason = rule.reason;
  }
  if (success !== -1) {
    status = reversal === -1 ? 'success' : 'reversed';
    failureReason = null;
  }
  const settled =
    success !== -1 &&
    tags.some((tag, i) => tag === 'settled' && i >= success && (reversal === -1 || i < reversal));
  const unexpectedReversal = tags.some((tag, i) => tag === 'reversed' && (success === -1 || i < success));
  const needsAttention =
    tags.includes('attention') || unexpectedReversal || (success !== -1 && tags[success] === 'success_low');
  const late = success !== -1 && giveUp !== -1 && giveUp < success;
  const changes = [processingApplied, giveUp !== -1, success !== -1, reversal !== -1].filter(Boolean).length;
  return {
    status,
    failureReason,
    settled,
    needsAttention,
    events: {
      'payment.status_changed': changes,
      'payment.processing': processingApplied ? 1 : 0,
      // SM-7: a mismatched success is not a fulfilment signal by default
      'payment.succeeded': success !== -1 && tags[success] !== 'success_low' ? 1 : 0,
      'payment.failed': giveUp !== -1 && GIVE_UP[tags[giveUp]!]!.status === 'failed' ? 1 : 0,
      'payment.cancelled': giveUp !== -1 && GIVE_UP[tags[giveUp]!]!.status === 'cancelled' ? 1 : 0,
      'payment.reversed': reversal !== -1 ? 1 : 0,
      'payment.late_success': late ? 1 : 0,
      'payment.needs_attention': needsAttention ? 1 : 0,
      'payment.amount_mismatch': success !== -1 && tags[success] === 'success_low' ? 1 : 0,
    },
  };
}

function run(items: Tagged[]) {
  let current: PaymentRecord = payment();
  const ranks = [rankOf(current.status)];
  const events: PaymentEventType[] = [];
  items.forEach(({ evidence }, index) => {
    const now = new Date(T0.getTime() + (index + 1) * 1_000);
    const decision = decide(current, evidence, now);
    if (decision.applied) {
      current = { ...current, ...decision.changes, version: current.version + 1 };
      events.push(...decision.events);
      // the same evidence again, right away, never applies twice
      expect(decide(current, evidence, now).applied).toBe(false);
    } else {
      expect(decision.events).toEqual([]);
      expect(decision.changes).toEqual({});
    }
    ranks.push(rankOf(current.status));
  });
  return { final: current, ranks, events };
}

function count(events: PaymentEventType[]): Partial<Record<PaymentEventType, number>> {
  const counts: Partial<Record<PaymentEventType, number>> = {};
  for (const type of Object.keys(oracle([]).events) as PaymentEventType[]) counts[type] = 0;
  for (const event of events) counts[event] = (counts[event] ?? 0) + 1;
  return counts;
}

describe('decide over random evidence sequences (SM-1, INV-4)', () => {
  it('ends where the rules say, with the rank never going down and one event per applied change', () => {
    fc.assert(
      fc.property(sequences, (items) => {
        const { final, ranks, events } = run(items);
        const expected = oracle(items.map((item) => item.tag));

        for (let i = 1; i < ranks.length; i++) expect(ranks[i]).toBeGreaterThanOrEqual(ranks[i - 1]!);
        expect(final.status).toBe(expected.status);
        expect(final.failureReason).toBe(expected.failureReason);
        expect(final.settledAt !== null).toBe(expected.settled);
        expect(final.needsAttention).toBe(expected.needsAttention);
        expect(count(events)).toEqual(expected.events);
        expect(final.completedAt !== null).toBe(final.status !== 'pending' && final.status !== 'processing');
      }),
      { numRuns: 1_000 },
    );
  });

  it('the oracle itself agrees with hand-checked sequences', () => {
    expect(oracle(['failed', 'success']).status).toBe('success');
    expect(oracle(['failed', 'success']).events['payment.late_success']).toBe(1);
    expect(oracle(['success', 'failed']).status).toBe('success');
    expect(oracle(['processing', 'not_found_final']).status).toBe('processing');
    expect(oracle(['not_found_final', 'processing'])).toMatchObject({
      status: 'failed',
      failureReason: 'not_found',
    });
    expect(oracle(['reversed', 'success'])).toMatchObject({ status: 'success', needsAttention: true });
    expect(oracle(['success', 'reversed', 'settled'])).toMatchObject({ status: 'reversed', settled: false });
    expect(oracle(['cancel', 'timeout', 'settled'])).toMatchObject({ status: 'success', settled: true });
    expect(oracle(['ambiguous', 'not_found'])).toMatchObject({ status: 'pending' });
  });
});
