/** The verdicts the "many instances" run relies on must themselves catch what they claim to catch. */
import type { StoredEvent } from '@clickpesa-kit/core/store';
import type { RequestLogEntry, SandboxPayment } from '@clickpesa-kit/sandbox';
import { describe, expect, it } from 'vitest';
import {
  busiestWindow,
  duplicates,
  eventProblems,
  expectedStatus,
  initiatedTwice,
  providerCalls,
  queriesTooClose,
} from './run-checks.js';

const call = (
  at: number,
  endpoint: RequestLogEntry['endpoint'],
  orderReference?: string,
): RequestLogEntry => ({
  at,
  method: 'GET',
  path: '/',
  url: '/',
  endpoint,
  status: 200,
  headers: {},
  ...(orderReference === undefined ? {} : { orderReference }),
});

let seq = 0;
const event = (type: string, data: Record<string, unknown> = {}): StoredEvent =>
  ({ id: `e${++seq}`, paymentId: 'p1', seq: 0, type, occurredAt: new Date(0), data }) as StoredEvent;
/** Numbers the events 1, 2, 3... in order. */
const numbered = (...events: StoredEvent[]) => events.map((e, index) => ({ ...e, seq: index + 1 }));
const change = (from: string, to: string) => [
  event('payment.status_changed', { from, to }),
  event({ processing: 'payment.processing', success: 'payment.succeeded', failed: 'payment.failed' }[to]!, {
    from,
    to,
  }),
];

describe('many-instances run checks', () => {
  it('providerCalls keeps the API calls only, oldest first', () => {
    const log = [call(3, 'query', 'A'), call(1, 'control'), call(2, 'initiate', 'A'), call(0, 'page')];
    expect(providerCalls(log).map((entry) => entry.at)).toEqual([2, 3]);
  });

  it('busiestWindow finds the sliding window with the most arrivals', () => {
    const calls = [0, 100, 4_999, 5_000, 5_001].map((at) => ({ at }));
    expect(busiestWindow(calls, 5_000)).toEqual({ count: 4, startsAt: 100 });
    expect(busiestWindow([], 5_000)).toEqual({ count: 0, startsAt: null });
  });

  it('initiatedTwice names references pushed more than once', () => {
    const log = [
      call(0, 'initiate', 'A'),
      call(1, 'initiate', 'B'),
      call(2, 'initiate', 'A'),
      call(3, 'query', 'B'),
    ];
    expect(initiatedTwice(log)).toEqual({ A: 2 });
  });

  it('queriesTooClose flags two queries for one reference inside the gap, unless excused', () => {
    const log = [
      call(0, 'query', 'A'),
      call(1_000, 'query', 'A'),
      call(1_200, 'query', 'A'),
      call(1_100, 'query', 'B'),
    ];
    expect(queriesTooClose(log, 750, () => false)).toEqual([
      { orderReference: 'A', earlierAt: 1_000, laterAt: 1_200, gapMs: 200 },
    ]);
    expect(queriesTooClose(log, 750, (pair) => pair.orderReference === 'A')).toEqual([]);
  });

  it('expectedStatus reads the sandbox truth', () => {
    const truth = (status: string) => ({ status }) as SandboxPayment;
    expect(expectedStatus(undefined)).toBe('failed');
    expect(expectedStatus(truth('SUCCESS'))).toBe('success');
    expect(expectedStatus(truth('SETTLED'))).toBe('success');
    expect(expectedStatus(truth('FAILED'))).toBe('failed');
    expect(expectedStatus(truth('PROCESSING'))).toBe('unresolved');
  });

  describe('eventProblems', () => {
    const payment = { id: 'p1', status: 'success' as const };

    it('accepts one event per applied transition', () => {
      const events = numbered(
        event('payment.created'),
        ...change('pending', 'processing'),
        ...change('processing', 'success'),
      );
      expect(eventProblems(payment, events)).toEqual([]);
    });

    it('catches a transition stored twice (two instances applying one answer)', () => {
      const events = numbered(
        event('payment.created'),
        ...change('pending', 'processing'),
        ...change('processing', 'success'),
        ...change('processing', 'success'),
      );
      expect(eventProblems(payment, events).length).toBeGreaterThan(0);
    });

    it('catches a missing status event, a seq gap, a second created and a chain ending elsewhere', () => {
      const [changed] = change('pending', 'processing');
      expect(eventProblems(payment, numbered(event('payment.created'), changed!))).not.toEqual([]);
      const gap = numbered(event('payment.created'), ...change('pending', 'success')).map((e, index) =>
        index === 2 ? { ...e, seq: 4 } : e,
      );
      expect(eventProblems(payment, gap)).not.toEqual([]);
      const twice = numbered(
        event('payment.created'),
        event('payment.created'),
        ...change('pending', 'success'),
      );
      expect(eventProblems(payment, twice)).not.toEqual([]);
      const elsewhere = numbered(event('payment.created'), ...change('pending', 'failed'));
      expect(eventProblems(payment, elsewhere)).not.toEqual([]);
    });
  });

  it('duplicates lists ids seen more than once', () => {
    expect(duplicates(['a', 'b', 'a', 'c', 'b', 'a'])).toEqual(['a', 'b']);
  });
});
