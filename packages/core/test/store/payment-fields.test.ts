import { describe, expect, it } from 'vitest';
import type { PaymentRecord } from '../../src/domain/payment.js';
import { toPublicPayment } from '../../src/http/public-payment.js';
import type { PaymentChanges } from '../../src/store/contract.js';
import {
  applyPaymentChanges,
  PAYMENT_FIELDS,
  PUBLIC_PAYMENT_FIELDS,
  writablePaymentChanges,
} from '../../src/store/payment-fields.js';
import { type ColumnCodec, columnDefinitions, createRecordMapper } from '../../src/store/record-fields.js';
import { payment } from '../domain/transition-fixtures.js';

const EPOCH_MS: ColumnCodec = {
  encode: { timestamp: (date: Date) => date.getTime(), json: (value: unknown) => JSON.stringify(value) },
  decode: { timestamp: (ms: number) => new Date(ms), json: (text: string) => JSON.parse(text) as unknown },
};

describe('the payment field table', () => {
  it('describes every PaymentRecord field once, with a unique column', () => {
    const record = payment();
    expect(PAYMENT_FIELDS.map((field) => field.name).sort()).toEqual(Object.keys(record).sort());
    expect(new Set(PAYMENT_FIELDS.map((field) => field.column)).size).toBe(PAYMENT_FIELDS.length);
  });

  it('gives the public JSON its names and order', () => {
    expect(PUBLIC_PAYMENT_FIELDS.map((field) => field.publicName)).toEqual(
      Object.keys(toPublicPayment(payment())),
    );
  });

  it('maps a record to a row and back, nulls included', () => {
    const rows = createRecordMapper(PAYMENT_FIELDS, EPOCH_MS);
    const record = payment({ metadata: { order: 'A-1' }, completedAt: null });
    const row = rows.toRow(record);
    expect(row.created_at).toBe(record.createdAt.getTime());
    expect(row.metadata).toBe('{"order":"A-1"}');
    expect(row.completed_at).toBeNull();
    expect(rows.fromRow(row)).toEqual(record);
    expect(rows.toValues(record)).toEqual(PAYMENT_FIELDS.map((field) => row[field.column]));
  });

  it('a field added to a copy of the table reaches the DDL, the row mapping and (when public) the JSON order', () => {
    const fields = [
      ...PAYMENT_FIELDS,
      {
        name: 'channelHint' as keyof PaymentRecord,
        column: 'channel_hint',
        kind: 'text' as const,
        nullable: true,
        access: 'mutable' as const,
      },
    ];
    const types = { text: 'T', integer: 'I', boolean: 'B', timestamp: 'TS', json: 'J', 'text-list': 'L' };
    expect(columnDefinitions(fields, types, 'id')).toContain('channel_hint T');
    expect(columnDefinitions(fields, types, 'id')[0]).toBe('id T PRIMARY KEY');
    const rows = createRecordMapper(fields, EPOCH_MS);
    const record = { ...payment(), channelHint: 'ussd' } as PaymentRecord;
    expect(rows.toRow(record).channel_hint).toBe('ussd');
    expect(rows.fromRow(rows.toRow(record))).toEqual(record);
  });
});

describe('applyPaymentChanges', () => {
  it('merges the changes, bumps the version and leaves `current` alone', () => {
    const current = payment();
    const { next, newOrderReference } = applyPaymentChanges(current, {
      status: 'processing',
      errorMessage: null,
      transactionId: undefined,
    });
    expect(next).toMatchObject({ status: 'processing', errorMessage: null, version: current.version + 1 });
    expect(next.transactionId).toBe(current.transactionId);
    expect(newOrderReference).toBeNull();
    expect(current.status).toBe('pending');
  });

  it('never takes read-only fields from callers, even through a cast', () => {
    const current = payment();
    const sneaky = {
      id: 'other',
      ownerId: 'mallory',
      createdAt: new Date(0),
      version: 99,
      orderReferences: [],
      status: 'failed',
    } as unknown as PaymentChanges;
    const { next } = applyPaymentChanges(current, sneaky);
    expect(next).toEqual({ ...current, status: 'failed', version: current.version + 1 });
    expect(writablePaymentChanges(sneaky)).toEqual([['status', 'failed']]);
  });

  it('appends a new order reference to the history and reports it', () => {
    const current = payment();
    const { next, newOrderReference } = applyPaymentChanges(current, { orderReference: 'PAY000000000002' });
    expect(newOrderReference).toBe('PAY000000000002');
    expect(next.orderReferences).toEqual([...current.orderReferences, 'PAY000000000002']);
  });
});
