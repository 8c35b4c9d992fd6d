import { describe, expect, it } from 'vitest';
import type { PaymentRecord, ProviderPayment } from '../../src/domain/payment.js';
import { coverPage } from '../../src/poller/list-coverage.js';

const T = Date.UTC(2026, 0, 1, 8);
const iso = (ms: number) => new Date(T + ms).toISOString();

function record(ref: string, createdMs: number, status = 'PROCESSING'): ProviderPayment {
  return { id: `${ref}LCP`, status, orderReference: ref, createdAt: iso(createdMs) };
}

type Held = Pick<PaymentRecord, 'id' | 'orderReference' | 'attemptStartedAt' | 'providerStatus'>;
function held(ref: string, createdMs: number, providerKnown = true): Held {
  return {
    id: `id-${ref}`,
    orderReference: ref,
    attemptStartedAt: new Date(T + createdMs - 200),
    providerStatus: providerKnown ? record(ref, createdMs) : null,
  };
}

describe('coverPage: reading a newest-first list page against held payments', () => {
  // a full page of 4 covering creation times 60 s .. 90 s
  const page = [
    record('P90', 90_000, 'SUCCESS'),
    record('P80', 80_000),
    record('P70', 70_000),
    record('P60', 60_000),
  ];

  it('answers for listed references, flags gaps inside its range, and sends older ones to the next page', () => {
    const coverage = coverPage({ records: page, full: true, coversUpTo: Number.POSITIVE_INFINITY }, [
      held('P90', 90_000),
      held('P70', 70_000),
      held('P75', 75_000), // inside the range but not listed
      held('P10', 10_000), // older than the page
      held('P95', 95_000), // newer than anything listed, first page: ClickPesa does not list it
    ]);
    expect([...coverage.found.keys()]).toEqual(['id-P90', 'id-P70']);
    expect(coverage.found.get('id-P90')?.status).toBe('SUCCESS');
    expect(coverage.absent).toEqual(['id-P75', 'id-P95']);
    expect(coverage.older).toEqual(['id-P10']);
    expect(coverage.oldestCreatedAt).toBe(T + 60_000);
  });

  it('treats everything as covered when the page is not full', () => {
    const coverage = coverPage(
      { records: page.slice(0, 2), full: false, coversUpTo: Number.POSITIVE_INFINITY },
      [held('P10', 10_000)],
    );
    expect(coverage.absent).toEqual(['id-P10']);
    expect(coverage.older).toEqual([]);
  });

  it('on a later page, leaves payments newer than its range for the next sweep', () => {
    const coverage = coverPage({ records: page, full: true, coversUpTo: T + 100_000 }, [
      held('P120', 120_000),
    ]);
    expect(coverage.newer).toEqual(['id-P120']);
  });

  it('uses a clock-skew margin when only our own send time is known', () => {
    const coverage = coverPage(
      { records: page, full: true, coversUpTo: Number.POSITIVE_INFINITY },
      [held('Q65', 65_000, false), held('Q200', 200_000, false)],
      30_000,
    );
    // 65 s might really be before 60 s on ClickPesa's clock: look on the next page rather than conclude
    expect(coverage.older).toEqual(['id-Q65']);
    expect(coverage.absent).toEqual(['id-Q200']);
  });

  it('picks the authoritative record when a reference is listed several times', () => {
    const coverage = coverPage(
      {
        records: [record('P1', 1_000, 'FAILED'), record('P1', 1_000, 'SUCCESS')],
        full: false,
        coversUpTo: Number.POSITIVE_INFINITY,
      },
      [held('P1', 1_000)],
    );
    expect(coverage.found.get('id-P1')?.status).toBe('SUCCESS');
  });
});
