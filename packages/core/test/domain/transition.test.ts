import { describe, expect, it } from 'vitest';
import type { Evidence } from '../../src/domain/evidence.js';
import { PAYMENT_STATUSES, type PaymentRecord, type PaymentStatus } from '../../src/domain/payment.js';
import { type DecideRules, decide, isFinal, rankOf } from '../../src/domain/transition.js';
import { paymentIn, provider, REF, T0 } from './transition-fixtures.js';

const NOW = new Date(T0.getTime() + 90_000);

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** decide() on frozen inputs, so any mutation of its arguments throws. */
function decideOn(
  status: PaymentStatus,
  evidence: Evidence,
  overrides: Partial<PaymentRecord> = {},
  rules: DecideRules = {},
) {
  return decide(deepFreeze(paymentIn(status, overrides)), deepFreeze(evidence), NOW, rules);
}

describe('rankOf and isFinal', () => {
  it('ranks pending < processing < failed = cancelled < success < reversed', () => {
    expect(PAYMENT_STATUSES.map((s) => [s, rankOf(s)])).toEqual([
      ['pending', 0],
      ['processing', 1],
      ['success', 3],
      ['failed', 2],
      ['cancelled', 2],
      ['reversed', 4],
    ]);
  });

  it('calls success, failed, cancelled and reversed final', () => {
    expect(PAYMENT_STATUSES.filter(isFinal)).toEqual(['success', 'failed', 'cancelled', 'reversed']);
  });
});

describe('decide: provider PROCESSING/PENDING', () => {
  it.each(['PROCESSING', 'PENDING', ' processing '])('moves pending to processing on %j', (status) => {
    const decision = decideOn('pending', provider(status, {}, 'initiate'));
    expect(decision).toEqual({
      applied: true,
      changes: {
        status: 'processing',
        providerStatus: expect.objectContaining({ status }),
        transactionId: 'TX-1',
        lastCheckedAt: NOW,
        updatedAt: NOW,
      },
      events: ['payment.status_changed', 'payment.processing'],
    });
  });

  it.each([
    ['processing', 'duplicate'],
    ['success', 'regression'],
    ['failed', 'regression'],
    ['cancelled', 'regression'],
    ['reversed', 'regression'],
  ] as const)('ignores it on %s (%s)', (status, reason) => {
    expect(decideOn(status, provider('PROCESSING'))).toEqual({
      applied: false,
      changes: {},
      events: [],
      ignoredReason: reason,
    });
  });
});

describe('decide: provider SUCCESS/SETTLED', () => {
  it.each(['pending', 'processing'] as const)('moves %s to success, completedAt once', (status) => {
    const decision = decideOn(status, provider('SUCCESS'));
    expect(decision.applied).toBe(true);
    expect(decision.changes).toMatchObject({ status: 'success', completedAt: NOW, updatedAt: NOW });
    expect(decision.changes).not.toHaveProperty('settledAt');
    expect(decision.changes).not.toHaveProperty('needsAttention');
    expect(decision.events).toEqual(['payment.status_changed', 'payment.succeeded']);
  });

  it("takes the transaction id from the record's id when it is new", () => {
    expect(decideOn('pending', provider('SUCCESS')).changes.transactionId).toBe('TX-1');
    expect(decideOn('processing', provider('SUCCESS', { id: 'TX-2' })).changes.transactionId).toBe('TX-2');
    expect(decideOn('processing', provider('SUCCESS')).changes).not.toHaveProperty('transactionId');
    expect(decideOn('pending', provider('SUCCESS', { id: null })).changes).not.toHaveProperty(
      'transactionId',
    );
  });

  it('SETTLED from processing: success and settledAt', () => {
    const decision = decideOn('processing', provider('SETTLED'));
    expect(decision.changes).toMatchObject({ status: 'success', settledAt: NOW, completedAt: NOW });
    expect(decision.events).toEqual(['payment.status_changed', 'payment.succeeded']);
  });

  it('SETTLED after SUCCESS: settledAt once, status and completedAt untouched, no event', () => {
    const decision = decideOn('success', provider('SETTLED'));
    expect(decision).toEqual({
      applied: true,
      changes: {
        settledAt: NOW,
        updatedAt: NOW,
        providerStatus: expect.objectContaining({ status: 'SETTLED' }),
        lastCheckedAt: NOW,
      },
      events: [],
    });
    expect(decideOn('success', provider('SETTLED'), { settledAt: T0 })).toMatchObject({
      applied: false,
      ignoredReason: 'duplicate',
    });
  });

  it('ignores SUCCESS on success (duplicate) and on reversed (regression)', () => {
    expect(decideOn('success', provider('SUCCESS'))).toMatchObject({
      applied: false,
      ignoredReason: 'duplicate',
    });
    expect(decideOn('reversed', provider('SUCCESS'))).toMatchObject({
      applied: false,
      ignoredReason: 'regression',
    });
    expect(decideOn('reversed', provider('SETTLED'))).toMatchObject({
      applied: false,
      ignoredReason: 'regression',
    });
  });

  it.each(['failed', 'cancelled'] as const)(
    'a late SUCCESS moves %s to success with payment.late_success (SM-5, SM-12)',
    (status) => {
      const decision = decideOn(status, provider('SUCCESS'), {
        failureReason: 'timeout',
        errorMessage: 'gave up',
      });
      expect(decision.events).toEqual([
        'payment.status_changed',
        'payment.succeeded',
        'payment.late_success',
      ]);
      expect(decision.changes).toMatchObject({ status: 'success', failureReason: null, errorMessage: null });
      // completedAt is set once, on first entering a final status
      expect(decision.changes).not.toHaveProperty('completedAt');
    },
  );
});

describe('decide: amount and currency check on success (SM-7)', () => {
  it.each([
    ['900', 'TZS'],
    ['0', 'TZS'],
    ['1000.01', 'TZS'],
    ['', 'TZS'],
    ['1000', 'USD'],
  ])(
    'collected %j %s → success, flagged, amount_mismatch and NO payment.succeeded',
    (collectedAmount, collectedCurrency) => {
      const decision = decideOn('processing', provider('SUCCESS', { collectedAmount, collectedCurrency }));
      expect(decision.changes).toMatchObject({
        status: 'success',
        needsAttention: true,
        amountMismatch: true,
        collectedAmount,
        collectedCurrency: collectedCurrency.trim().toUpperCase(),
      });
      expect(decision.events).toEqual([
        'payment.status_changed',
        'payment.amount_mismatch',
        'payment.needs_attention',
      ]);
      expect(decision.attentionReason).toBe('amount_mismatch');
    },
  );

  it('with fulfilOnAmountMismatch, a mismatched success still emits payment.succeeded', () => {
    const decision = decideOn(
      'processing',
      provider('SUCCESS', { collectedAmount: '19000.00' }),
      {},
      { fulfilOnAmountMismatch: true },
    );
    expect(decision.changes).toMatchObject({ amountMismatch: true, collectedAmount: '19000.00' });
    expect(decision.events).toEqual([
      'payment.status_changed',
      'payment.succeeded',
      'payment.amount_mismatch',
      'payment.needs_attention',
    ]);
  });

  it.each([
    ['1000', 'TZS'],
    ['1000.00', 'tzs'],
    ['1000.0', ' TZS '],
    [undefined, undefined],
  ])('collected %j %j matches 1000.00 TZS', (collectedAmount, collectedCurrency) => {
    const evidence = provider('SUCCESS');
    if (evidence.kind !== 'provider') throw new Error('fixture');
    evidence.record.collectedAmount = collectedAmount;
    evidence.record.collectedCurrency = collectedCurrency;
    const decision = decideOn('processing', evidence);
    expect(decision.changes).not.toHaveProperty('needsAttention');
    expect(decision.changes).not.toHaveProperty('amountMismatch');
    expect(decision.events).not.toContain('payment.needs_attention');
    expect(decision.events).toContain('payment.succeeded');
  });

  it('a mismatched late success emits late_success, amount_mismatch then needs_attention', () => {
    const decision = decideOn('failed', provider('SUCCESS', { collectedAmount: '0' }));
    expect(decision.events).toEqual([
      'payment.status_changed',
      'payment.late_success',
      'payment.amount_mismatch',
      'payment.needs_attention',
    ]);
  });

  it('does not emit needs_attention a second time when the flag is already up', () => {
    const decision = decideOn('processing', provider('SUCCESS', { collectedAmount: '900' }), {
      needsAttention: true,
    });
    expect(decision.changes).toMatchObject({ status: 'success', needsAttention: true });
    expect(decision.events).toEqual(['payment.status_changed', 'payment.amount_mismatch']);
  });
});

describe('decide: provider FAILED', () => {
  it.each(['pending', 'processing'] as const)(
    'moves %s to failed/provider_failed with the provider message',
    (status) => {
      const decision = decideOn(status, provider('FAILED', { message: 'Insufficient balance' }));
      expect(decision.changes).toMatchObject({
        status: 'failed',
        failureReason: 'provider_failed',
        errorMessage: 'Insufficient balance',
        completedAt: NOW,
      });
      expect(decision.events).toEqual(['payment.status_changed', 'payment.failed']);
    },
  );

  it('uses null when the provider gave no message', () => {
    expect(decideOn('processing', provider('FAILED')).changes).toMatchObject({ errorMessage: null });
  });

  it.each([
    ['failed', 'duplicate'],
    ['cancelled', 'duplicate'],
    ['success', 'regression'],
    ['reversed', 'regression'],
  ] as const)('ignores it on %s (%s)', (status, reason) => {
    expect(decideOn(status, provider('FAILED'))).toMatchObject({ applied: false, ignoredReason: reason });
  });

  it('leaves a local timeout in place (reconciliation keeps going)', () => {
    expect(decideOn('failed', provider('FAILED'), { failureReason: 'timeout' })).toMatchObject({
      applied: false,
    });
  });
});

describe('decide: REFUNDED/REVERSED', () => {
  it.each(['REFUNDED', 'REVERSED'])('moves success to reversed on %s', (status) => {
    const decision = decideOn('success', provider(status));
    expect(decision.changes).toMatchObject({ status: 'reversed', updatedAt: NOW });
    expect(decision.changes).not.toHaveProperty('completedAt');
    expect(decision.events).toEqual(['payment.status_changed', 'payment.reversed']);
  });

  it('is a duplicate on reversed', () => {
    expect(decideOn('reversed', provider('REFUNDED'))).toMatchObject({
      applied: false,
      ignoredReason: 'duplicate',
    });
  });

  it.each(['pending', 'processing', 'failed', 'cancelled'] as const)(
    'only flags %s (a reversal of money never seen arriving)',
    (status) => {
      const decision = decideOn(status, provider('REVERSED'));
      expect(decision.changes).not.toHaveProperty('status');
      expect(decision.changes).toMatchObject({ needsAttention: true });
      expect(decision.events).toEqual(['payment.needs_attention']);
      expect(decision.attentionReason).toBe('unexpected_reversal');
    },
  );
});

describe('decide: ON-HOLD and unknown statuses (SM-6)', () => {
  it.each(PAYMENT_STATUSES)('raises needs_attention once on %s and changes no status', (status) => {
    const onHold = decideOn(status, provider('ON-HOLD'));
    expect(onHold.applied).toBe(true);
    expect(onHold.changes).not.toHaveProperty('status');
    expect(onHold.changes).toMatchObject({ needsAttention: true, updatedAt: NOW });
    expect(onHold.events).toEqual(['payment.needs_attention']);
    expect(onHold.attentionReason).toBe('on_hold');
    expect(decideOn(status, provider('ON-HOLD'), { needsAttention: true })).toMatchObject({
      applied: false,
      ignoredReason: 'already_flagged',
    });
  });

  it.each(['WEIRD', 'EXPIRED', 'SUCESS', ''])('treats %j as unknown, never as failed', (status) => {
    const decision = decideOn('processing', provider(status));
    expect(decision.changes).not.toHaveProperty('status');
    expect(decision.attentionReason).toBe('unknown_status');
    expect(decision.events).toEqual(['payment.needs_attention']);
  });
});

describe('decide: local evidence', () => {
  it.each(['pending', 'processing'] as const)('timeout moves %s to failed/timeout', (status) => {
    const decision = decideOn(status, { kind: 'timeout' });
    expect(decision.changes).toMatchObject({
      status: 'failed',
      failureReason: 'timeout',
      completedAt: NOW,
      updatedAt: NOW,
    });
    expect(decision.changes).not.toHaveProperty('lastCheckedAt');
    expect(decision.events).toEqual(['payment.status_changed', 'payment.failed']);
  });

  it.each([
    ['failed', 'duplicate'],
    ['cancelled', 'duplicate'],
    ['success', 'regression'],
    ['reversed', 'regression'],
  ] as const)('timeout is ignored on %s (%s)', (status, reason) => {
    expect(decideOn(status, { kind: 'timeout' })).toMatchObject({ applied: false, ignoredReason: reason });
  });

  it('final not_found fails a pending payment only; a non-final one does nothing', () => {
    expect(decideOn('pending', { kind: 'not_found', final: true }).changes).toMatchObject({
      status: 'failed',
      failureReason: 'not_found',
    });
    expect(decideOn('processing', { kind: 'not_found', final: true })).toMatchObject({
      applied: false,
      ignoredReason: 'not_applicable',
    });
    expect(decideOn('success', { kind: 'not_found', final: true })).toMatchObject({
      applied: false,
      ignoredReason: 'regression',
    });
    expect(decideOn('pending', { kind: 'not_found', final: false })).toEqual({
      applied: false,
      changes: {},
      events: [],
      ignoredReason: 'not_final',
    });
  });

  it('initiate_rejected fails a pending payment with the provider message', () => {
    const decision = decideOn('pending', {
      kind: 'initiate_rejected',
      message: 'Invalid / unsupported phone number',
    });
    expect(decision.changes).toMatchObject({
      status: 'failed',
      failureReason: 'initiation_rejected',
      errorMessage: 'Invalid / unsupported phone number',
      completedAt: NOW,
    });
    expect(decision.events).toEqual(['payment.status_changed', 'payment.failed']);
    // a webhook that got in first (WH-12) already proved the push exists
    expect(decideOn('processing', { kind: 'initiate_rejected', message: 'x' })).toMatchObject({
      applied: false,
    });
    expect(decideOn('success', { kind: 'initiate_rejected', message: 'x' })).toMatchObject({
      applied: false,
      ignoredReason: 'regression',
    });
  });

  it('initiate_ambiguous leaves the payment pending', () => {
    expect(decideOn('pending', { kind: 'initiate_ambiguous', message: 'socket hang up' })).toEqual({
      applied: false,
      changes: {},
      events: [],
      ignoredReason: 'ambiguous',
    });
  });

  it.each(['pending', 'processing'] as const)('cancel moves %s to cancelled', (status) => {
    const decision = decideOn(status, { kind: 'cancel' });
    expect(decision.changes).toEqual({ status: 'cancelled', completedAt: NOW, updatedAt: NOW });
    expect(decision.events).toEqual(['payment.status_changed', 'payment.cancelled']);
  });

  it.each([
    ['failed', 'duplicate'],
    ['cancelled', 'duplicate'],
    ['success', 'regression'],
    ['reversed', 'regression'],
  ] as const)('cancel is refused on %s (%s)', (status, reason) => {
    expect(decideOn(status, { kind: 'cancel' })).toMatchObject({ applied: false, ignoredReason: reason });
  });
});

describe('decide: provider record details', () => {
  it('sets lastCheckedAt for initiate/query/poller records, not for webhooks', () => {
    for (const source of ['initiate', 'query', 'poller'] as const) {
      expect(decideOn('pending', provider('PROCESSING', {}, source)).changes.lastCheckedAt).toEqual(NOW);
    }
    expect(decideOn('pending', provider('PROCESSING', {}, 'webhook')).changes).not.toHaveProperty(
      'lastCheckedAt',
    );
  });

  it('accepts records for an earlier order reference of the payment (case-insensitive) and ignores strangers', () => {
    const retried = { orderReference: 'PAYNEW000000001', orderReferences: [REF, 'PAYNEW000000001'] };
    expect(decideOn('pending', provider('SUCCESS', { orderReference: REF }), retried).applied).toBe(true);
    expect(
      decideOn('pending', provider('SUCCESS', { orderReference: 'paynew000000001' }), retried).applied,
    ).toBe(true);
    expect(
      decideOn('pending', provider('SUCCESS', { orderReference: 'PAYOTHER0000001' }), retried),
    ).toMatchObject({
      applied: false,
      ignoredReason: 'reference_mismatch',
    });
    // a record without a reference is taken as the caller's lookup says
    expect(decideOn('pending', provider('SUCCESS', { orderReference: '' })).applied).toBe(true);
  });

  it('stores the record as providerStatus', () => {
    const evidence = provider('PROCESSING', { message: 'sent', paymentReference: 'MP1' });
    const decision = decideOn('pending', evidence);
    expect(decision.changes.providerStatus).toEqual(evidence.kind === 'provider' ? evidence.record : null);
  });
});
