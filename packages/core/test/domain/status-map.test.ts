import { describe, expect, it } from 'vitest';
import type { ProviderPayment } from '../../src/domain/payment.js';
import { mapProviderStatus, pickAuthoritative } from '../../src/domain/status-map.js';

describe('mapProviderStatus', () => {
  it.each([
    ['PROCESSING', 'processing', false],
    ['PENDING', 'processing', false],
    ['SUCCESS', 'success', false],
    ['SETTLED', 'success', true],
    ['FAILED', 'failed', false],
    ['REFUNDED', 'reversed', false],
    ['REVERSED', 'reversed', false],
    ['ON-HOLD', 'needs_attention', false],
    [' success ', 'success', false],
    ['Settled', 'success', true],
    ['failed\n', 'failed', false],
    ['EXPIRED', 'needs_attention', false],
    ['SUCESS', 'needs_attention', false],
    ['', 'needs_attention', false],
    ['constructor', 'needs_attention', false],
  ])('%j → %s (settled %s)', (status, cls, settled) => {
    expect(mapProviderStatus(status)).toMatchObject({ class: cls, settled });
  });

  it('marks only the documented statuses as known', () => {
    expect(mapProviderStatus('ON-HOLD')).toEqual({
      class: 'needs_attention',
      settled: false,
      normalised: 'ON-HOLD',
      known: false,
    });
    expect(mapProviderStatus(' pending ')).toEqual({
      class: 'processing',
      settled: false,
      normalised: 'PENDING',
      known: true,
    });
    expect(mapProviderStatus(undefined)).toEqual({
      class: 'needs_attention',
      settled: false,
      normalised: '',
      known: false,
    });
    expect(mapProviderStatus(42)).toMatchObject({ class: 'needs_attention', known: false });
  });
});

const rec = (
  status: string,
  updatedAt?: string,
  id = `${status}-${updatedAt ?? 'none'}`,
): ProviderPayment => ({
  id,
  status,
  orderReference: 'PAY000000000001',
  ...(updatedAt ? { updatedAt } : {}),
});

describe('pickAuthoritative (SM-11)', () => {
  it('is null for an empty array ("not yet visible")', () => {
    expect(pickAuthoritative([])).toBeNull();
  });

  it('lets any SUCCESS/SETTLED win', () => {
    const success = rec('SUCCESS', '2026-01-05T10:00:00Z');
    expect(pickAuthoritative([rec('FAILED', '2026-01-05T11:00:00Z'), success])).toBe(success);
    expect(pickAuthoritative([success, rec('PROCESSING', '2026-01-05T12:00:00Z')])).toBe(success);
    const settled = rec('settled', '2026-01-05T10:00:00Z');
    expect(pickAuthoritative([rec('FAILED'), settled, rec('PENDING')])).toBe(settled);
  });

  it('prefers PROCESSING/PENDING over FAILED', () => {
    const processing = rec('PROCESSING', '2026-01-05T09:00:00Z');
    expect(pickAuthoritative([rec('FAILED', '2026-01-05T10:00:00Z'), processing])).toBe(processing);
    const pending = rec('PENDING');
    expect(pickAuthoritative([pending, rec('FAILED', '2026-01-05T10:00:00Z')])).toBe(pending);
  });

  it('takes FAILED when nothing else is there', () => {
    const failed = rec('FAILED', '2026-01-05T10:00:00Z');
    expect(pickAuthoritative([failed])).toBe(failed);
  });

  it('takes the latest updatedAt within a class; missing dates count as oldest, ties go to the later entry', () => {
    const early = rec('SUCCESS', '2026-01-05T10:00:00Z');
    const late = rec('SETTLED', '2026-01-06T10:00:00Z');
    expect(pickAuthoritative([late, early])).toBe(late);
    expect(pickAuthoritative([early, late])).toBe(late);
    const undated = rec('SUCCESS', undefined, 'undated');
    expect(pickAuthoritative([early, undated])).toBe(early);
    const twinA = rec('FAILED', '2026-01-05T10:00:00Z', 'a');
    const twinB = rec('FAILED', '2026-01-05T10:00:00Z', 'b');
    expect(pickAuthoritative([twinA, twinB])).toBe(twinB);
    const invalid = rec('FAILED', 'not a date', 'invalid');
    expect(pickAuthoritative([twinA, invalid])).toBe(twinA);
  });

  it('ranks the statuses SM-11 does not name: reversal after success, ON-HOLD/unknown above live and failed', () => {
    const reversed = rec('REVERSED', '2026-01-07T10:00:00Z');
    const success = rec('SUCCESS', '2026-01-05T10:00:00Z');
    const onHold = rec('ON-HOLD', '2026-01-05T10:00:00Z');
    expect(pickAuthoritative([reversed, success])).toBe(success);
    expect(pickAuthoritative([onHold, reversed])).toBe(reversed);
    expect(pickAuthoritative([rec('PROCESSING'), onHold, rec('FAILED')])).toBe(onHold);
  });
});
