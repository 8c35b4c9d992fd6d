import { describe, expect, it } from 'vitest';
import {
  MISSING_STATUS,
  numberToDecimalString,
  parseInitiateBody,
  parseListBody,
  parsePreviewBody,
  parseQueryBody,
  toProviderPayment,
} from '../../src/client/responses.js';

describe('toProviderPayment (F-BODY-2 drift)', () => {
  it('normalises a documented query record and keeps unknown fields out', () => {
    const payment = toProviderPayment({
      id: 'PAY1LCP2',
      status: 'SUCCESS',
      paymentReference: 'REF',
      paymentPhoneNumber: '255712345678',
      orderReference: 'PAY1',
      collectedAmount: 1000,
      collectedCurrency: 'TZS',
      message: 'success',
      updatedAt: '2026-01-01T00:00:00Z',
      createdAt: '2026-01-01T00:00:00Z',
      customer: { customerName: 'x' },
      clientId: 'cid',
      exchange: { rate: 1 },
    });
    expect(payment).toEqual({
      id: 'PAY1LCP2',
      status: 'SUCCESS',
      paymentReference: 'REF',
      paymentPhoneNumber: '255712345678',
      orderReference: 'PAY1',
      collectedAmount: '1000',
      collectedCurrency: 'TZS',
      message: 'success',
      updatedAt: '2026-01-01T00:00:00Z',
      createdAt: '2026-01-01T00:00:00Z',
      clientId: 'cid',
    });
  });

  it('accepts collectedAmount as string or number, always a decimal string', () => {
    expect(toProviderPayment({ status: 'SUCCESS', collectedAmount: '1000.50' })?.collectedAmount).toBe(
      '1000.50',
    );
    expect(toProviderPayment({ status: 'SUCCESS', collectedAmount: 1000.5 })?.collectedAmount).toBe('1000.5');
    expect(toProviderPayment({ status: 'SUCCESS', collectedAmount: 1e21 })?.collectedAmount).toBe(
      '1000000000000000000000',
    );
    expect(
      toProviderPayment({ status: 'SUCCESS', collectedAmount: { x: 1 } })?.collectedAmount,
    ).toBeUndefined();
    expect(numberToDecimalString(Number.NaN)).toBeUndefined();
  });

  it('upper-cases documented statuses, keeps unknown ones raw and marks missing ones', () => {
    expect(toProviderPayment({ status: 'success' })?.status).toBe('SUCCESS');
    expect(toProviderPayment({ status: ' on-hold ' })?.status).toBe('ON-HOLD');
    expect(toProviderPayment({ status: 'Weird_State' })?.status).toBe('Weird_State');
    expect(toProviderPayment({ id: 'x' })?.status).toBe(MISSING_STATUS);
    expect(toProviderPayment({ status: 42 })?.status).toBe(MISSING_STATUS);
  });

  it('fills missing id and orderReference, ignores badly typed optional fields', () => {
    expect(toProviderPayment({ status: 'FAILED', channel: 5, createdAt: null }, 'PAYREF')).toEqual({
      id: null,
      status: 'FAILED',
      orderReference: 'PAYREF',
    });
    expect(toProviderPayment({ id: 12345, status: 'FAILED' })?.id).toBe('12345');
    expect(toProviderPayment('nope')).toBeUndefined();
  });
});

describe('parseQueryBody', () => {
  it('reads the documented array, a single object and a data wrapper', () => {
    expect(parseQueryBody([{ status: 'SUCCESS' }, { status: 'FAILED' }], 'R')?.map((p) => p.status)).toEqual([
      'SUCCESS',
      'FAILED',
    ]);
    expect(parseQueryBody({ status: 'PROCESSING', orderReference: 'R' }, 'R')).toHaveLength(1);
    expect(parseQueryBody({ data: [{ status: 'SUCCESS' }] }, 'R')).toHaveLength(1);
    expect(parseQueryBody([], 'R')).toEqual([]);
  });

  it.each([[null], ['text'], [{ message: 'hello' }], [[1, 2]], [[{ status: 'SUCCESS' }, 'x']]])(
    'rejects %j',
    (body) => {
      expect(parseQueryBody(body, 'R')).toBeUndefined();
    },
  );
});

describe('parseInitiateBody', () => {
  it('needs an id or a status', () => {
    expect(parseInitiateBody({ id: 'X', status: 'PROCESSING', collectedAmount: '500' }, 'R')).toMatchObject({
      id: 'X',
      status: 'PROCESSING',
      orderReference: 'R',
      collectedAmount: '500',
    });
    expect(parseInitiateBody([{ id: 'X', status: 'PROCESSING' }], 'R')?.id).toBe('X');
    expect(parseInitiateBody({}, 'R')).toBeUndefined();
    expect(parseInitiateBody({ message: 'ok' }, 'R')).toBeUndefined();
    expect(parseInitiateBody('ok', 'R')).toBeUndefined();
  });
});

describe('parseListBody', () => {
  it('reads {data,totalCount}, tolerates a bare array and a string count', () => {
    expect(parseListBody({ data: [{ status: 'SUCCESS', orderReference: 'A' }], totalCount: 7 })).toEqual({
      data: [{ id: null, status: 'SUCCESS', orderReference: 'A' }],
      totalCount: 7,
    });
    expect(parseListBody([{ status: 'FAILED' }])?.totalCount).toBe(1);
    expect(parseListBody({ data: [], totalCount: '12' })?.totalCount).toBe(12);
    expect(parseListBody({ totalCount: 3 })).toBeUndefined();
    expect(parseListBody({ data: ['x'] })).toBeUndefined();
  });
});

describe('parsePreviewBody', () => {
  it('reads methods and sender, tolerating a numeric message', () => {
    const body = {
      activeMethods: [{ name: 'TIGO-PESA', status: 'AVAILABLE', fee: 123, message: 5 }],
      sender: { accountName: 'Mathayo John', accountNumber: '255712345678', accountProvider: 'TIGO-PESA' },
    };
    expect(parsePreviewBody(body)).toEqual({
      activeMethods: [{ name: 'TIGO-PESA', status: 'AVAILABLE', fee: 123, message: 5 }],
      sender: { accountName: 'Mathayo John', accountNumber: '255712345678', accountProvider: 'TIGO-PESA' },
      raw: body,
    });
    expect(
      parsePreviewBody({ activeMethods: [{ name: 'M-PESA', status: 'UNAVAILABLE', fee: 'x' }] }),
    ).toEqual({
      activeMethods: [{ name: 'M-PESA', status: 'UNAVAILABLE' }],
      raw: { activeMethods: [{ name: 'M-PESA', status: 'UNAVAILABLE', fee: 'x' }] },
    });
    expect(parsePreviewBody({})).toBeUndefined();
  });
});
