import { afterEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index.js';
import { compareDecimal } from '../src/routes/list.js';
import { clickpesa, push, ref } from './helpers.js';

let sb: Sandbox;
afterEach(() => sb?.close());

describe('GET /payments/{orderReference}', () => {
  it('answers an array with the documented record shape (collectedAmount as a number)', async () => {
    sb = await startSandbox({ approveDelayMs: 60_000 });
    const api = clickpesa(sb);
    const orderReference = ref();
    await api.initiate(push(orderReference, '255754000007', '2500.50'));
    const response = await api.query(orderReference);
    expect(response.status).toBe(200);
    const records = response.body as Record<string, unknown>[];
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      status: 'PROCESSING',
      paymentPhoneNumber: '255754000007',
      orderReference,
      collectedAmount: 2500.5,
      collectedCurrency: 'TZS',
      channel: 'M-PESA',
      message: 'Processing',
      customer: { customerName: 'Sandbox Customer', customerPhoneNumber: '255754000007' },
      clientId: sb.clientId,
    });
    expect(typeof records[0]?.updatedAt).toBe('string');
    expect(typeof records[0]?.createdAt).toBe('string');
  });

  it('answers 404 "Invalid or missing payment" for an unknown reference', async () => {
    sb = await startSandbox();
    const response = await clickpesa(sb).query('UNKNOWN1');
    expect(response).toMatchObject({
      status: 404,
      body: { message: 'Invalid or missing payment: UNKNOWN1' },
    });
  });

  it("answers 200 [] in notFoundMode 'empty-array'", async () => {
    sb = await startSandbox({ notFoundMode: 'empty-array' });
    expect(await clickpesa(sb).query('UNKNOWN1')).toMatchObject({ status: 200, body: [] });
  });

  it('hides a new payment for visibilityDelayMs', async () => {
    let now = 1_800_000_000_000;
    sb = await startSandbox({ approveDelayMs: 60_000, visibilityDelayMs: 2_000, now: () => now });
    const api = clickpesa(sb);
    const orderReference = ref();
    await api.initiate(push(orderReference, '255712345670'));
    expect((await api.query(orderReference)).status).toBe(404);
    expect((await api.get('/payments/all')).body).toEqual({ data: [], totalCount: 0 });
    now += 2_000;
    expect((await api.query(orderReference)).status).toBe(200);
  });
});

describe('GET /payments/all', () => {
  async function seed() {
    let now = Date.parse('2026-05-01T08:00:00Z');
    sb = await startSandbox({ approveDelayMs: 60_000, tokenTtlMs: 30 * 86_400_000, now: () => now });
    const api = clickpesa(sb);
    const refs: string[] = [];
    // One payment per day, with amounts and wallets that differ.
    const plan = [
      ['255712345677', '300'],
      ['255684000007', '1000'],
      ['255754000007', '50.5'],
      ['255624000007', '20000'],
      ['255712345677', '7'],
    ] as const;
    for (const [phoneNumber, amount] of plan) {
      const orderReference = ref('LIST');
      refs.push(orderReference);
      await api.initiate(push(orderReference, phoneNumber, amount));
      now += 86_400_000;
    }
    sb.approve(refs[1] ?? '');
    sb.reject(refs[2] ?? '');
    return { api, refs };
  }

  it('defaults to createdAt DESC, limit 20, and reports totalCount', async () => {
    const { api, refs } = await seed();
    const response = await api.get('/payments/all');
    const body = response.body as { data: { orderReference: string }[]; totalCount: number };
    expect(body.totalCount).toBe(5);
    expect(body.data.map((record) => record.orderReference)).toEqual([...refs].reverse());
  });

  it('filters by date range (inclusive), status, channel, currency and reference', async () => {
    const { api, refs } = await seed();
    const get = async (query: string) =>
      ((await api.get(`/payments/all?${query}`)).body as { data: { orderReference: string }[] }).data.map(
        (record) => record.orderReference,
      );
    expect(await get('startDate=2026-05-02&endDate=2026-05-03&orderBy=ASC')).toEqual([refs[1], refs[2]]);
    expect(await get('status=SUCCESS')).toEqual([refs[1]]);
    expect(await get('status=FAILED')).toEqual([refs[2]]);
    expect(await get('channel=TIGO-PESA&orderBy=asc')).toEqual([refs[0], refs[4]]);
    expect(await get('collectedCurrency=USD')).toEqual([]);
    expect(await get(`orderReference=${refs[3]}`)).toEqual([refs[3]]);
  });

  it('pages with skip and limit and sorts by amount without floats', async () => {
    const { api, refs } = await seed();
    const page = await api.get('/payments/all?sortBy=collectedAmount&orderBy=ASC&skip=1&limit=2');
    const body = page.body as {
      data: { orderReference: string; collectedAmount: number }[];
      totalCount: number;
    };
    expect(body.totalCount).toBe(5);
    expect(body.data.map((record) => record.orderReference)).toEqual([refs[2], refs[0]]);
    expect(body.data.map((record) => record.collectedAmount)).toEqual([50.5, 300]);
  });

  it("returns at most maxPageSize rows whatever limit asks for (ClickPesa's maximum is undocumented)", async () => {
    const { api, refs } = await seed();
    sb.configure({ maxPageSize: 2 });
    const rows = async (query: string) =>
      ((await api.get(`/payments/all?${query}`)).body as { data: { orderReference: string }[] }).data.map(
        (record) => record.orderReference,
      );
    expect(await rows('orderBy=ASC&limit=100')).toEqual([refs[0], refs[1]]);
    expect(await rows('orderBy=ASC&skip=2&limit=100')).toEqual([refs[2], refs[3]]);
    expect(await rows('orderBy=ASC&skip=4&limit=1')).toEqual([refs[4]]);
    sb.configure({ maxPageSize: null });
    expect(await rows('orderBy=ASC&limit=100')).toHaveLength(5);
  });

  it('refuses bad dates, orderBy and paging values with 400', async () => {
    sb = await startSandbox();
    const api = clickpesa(sb);
    for (const query of [
      'startDate=2026-13-01',
      'endDate=01-05-2026',
      'orderBy=UP',
      'skip=-1',
      'limit=ten',
    ]) {
      expect((await api.get(`/payments/all?${query}`)).status, query).toBe(400);
    }
  });

  it('compares decimal strings as numbers', () => {
    expect(compareDecimal('9', '10')).toBeLessThan(0);
    expect(compareDecimal('10.5', '10.45')).toBeGreaterThan(0);
    expect(compareDecimal('007', '7.0')).toBe(0);
  });
});
