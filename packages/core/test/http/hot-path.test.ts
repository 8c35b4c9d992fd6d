import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIso, toPublicPayment } from '../../src/http/public-payment.js';
import { splitPath } from '../../src/http/routes.js';
import { createSecretRedactor } from '../../src/shared/redact.js';
import { paymentRecord } from './fake-service.js';

// The read path's hand-written shortcuts must give exactly what the builtins they replace give.

describe('formatIso', () => {
  it('writes what toISOString writes, for any date it accepts', () => {
    fc.assert(
      fc.property(fc.date({ noInvalidDate: true }), (date) => {
        expect(formatIso(date)).toBe(date.toISOString());
      }),
      { numRuns: 5_000 },
    );
  });

  it('keeps the edges: years 0 and 9999, six-digit years, and invalid dates rejected', () => {
    for (const time of [
      0,
      -1,
      Date.UTC(2024, 1, 29, 23, 59, 59, 999),
      -62_167_219_200_000, // 0000-01-01T00:00:00.000Z
      -62_167_219_200_001, // -000001-12-31T23:59:59.999Z
      253_402_300_799_999, // 9999-12-31T23:59:59.999Z
      253_402_300_800_000, // +010000-01-01T00:00:00.000Z
      8.64e15,
      -8.64e15,
    ]) {
      expect(formatIso(new Date(time)), String(time)).toBe(new Date(time).toISOString());
    }
    expect(() => formatIso(new Date(Number.NaN))).toThrow(RangeError);
  });

  it('renders a payment read twice the same (the second time from the recent-dates cache)', () => {
    const payment = paymentRecord({ completedAt: new Date('2026-03-01T10:00:00.123Z') });
    const first = toPublicPayment(payment);
    expect(toPublicPayment(payment)).toEqual(first);
    expect(first.completed_at).toBe('2026-03-01T10:00:00.123Z');
    expect(first.created_at).toBe(payment.createdAt.toISOString());
  });
});

describe('createSecretRedactor', () => {
  const redact = createSecretRedactor(['SECRET-KEY-1', 'client-42']);

  it('hands a clean value back as is, without copying it', () => {
    const body = { success: true, data: { id: 'x', metadata: { note: 'fine' }, list: ['a', 1, null] } };
    expect(redact(body)).toBe(body);
  });

  it('replaces secrets wherever a string holds one: nested objects, arrays, several in one string', () => {
    const body = {
      success: false,
      message: 'no SECRET-KEY-1 here',
      data: { provider_status: { message: 'client-42 said SECRET-KEY-1' }, tags: ['x', 'client-42'] },
      count: 3,
    };
    const redacted = redact(body);
    expect(redacted).toEqual({
      success: false,
      message: 'no [REDACTED] here',
      data: { provider_status: { message: '[REDACTED] said [REDACTED]' }, tags: ['x', '[REDACTED]'] },
      count: 3,
    });
    expect(body.message).toBe('no SECRET-KEY-1 here'); // the original is left alone
  });

  it('finds a secret in a top-level string and does nothing without secrets', () => {
    expect(redact('SECRET-KEY-1')).toBe('[REDACTED]');
    const none = createSecretRedactor([]);
    const body = { message: 'SECRET-KEY-1' };
    expect(none(body)).toBe(body);
  });
});

describe('splitPath', () => {
  it.each([
    ['/payments/abc/status', ['payments', 'abc', 'status']],
    ['/payments/abc/', ['payments', 'abc']],
    ['payments', ['payments']],
    ['/payments?x=1', ['payments']],
    ['/payments/a%20b', ['payments', 'a b']],
    ['/payments/%2Fx', ['payments', '/x']],
  ])('%s → %j', (path, segments) => {
    expect(splitPath(path)).toEqual(segments);
  });

  it.each(['', '/', '//', '?x', '//payments', '/payments//x', '/payments/%E0%A4%A'])(
    '%j matches nothing',
    (path) => {
      expect(splitPath(path)).toBeNull();
    },
  );
});
