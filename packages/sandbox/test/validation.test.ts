import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index.js';
import { clickpesa, push, ref } from './helpers.js';

let sb: Sandbox;
let api: ReturnType<typeof clickpesa>;
beforeAll(async () => {
  sb = await startSandbox({ approveDelayMs: 60_000 });
  api = clickpesa(sb);
});
afterAll(() => sb.close());

const PHONE = '255712345670';
const BAD_REFERENCE =
  'Invalid Order Reference, should only contain alphanumeric characters and cannot be blank';

describe("initiate validation (ClickPesa's USSD push request rules)", () => {
  it.each([
    ['a number amount', { amount: 1000 }, 'amount must be a numeric string'],
    ['a missing amount', { amount: undefined }, 'amount must be a numeric string'],
    ['a non-numeric amount', { amount: '10a' }, 'amount must be a numeric string'],
    ['a negative amount', { amount: '-5' }, 'amount must be a numeric string'],
    ['a zero amount', { amount: '0.00' }, 'amount must be greater than 0'],
    ['another currency', { currency: 'USD' }, 'currency must be one of the following values: TZS'],
    ['a missing currency', { currency: undefined }, 'currency must be one of the following values: TZS'],
    ['a hyphenated reference', { orderReference: 'ORDER-1' }, BAD_REFERENCE],
    ['an underscored reference', { orderReference: 'ORDER_1' }, BAD_REFERENCE],
    ['a blank reference', { orderReference: '' }, BAD_REFERENCE],
    ['a missing phone', { phoneNumber: undefined }, 'Invalid / unsupported phone number'],
    ['a phone with +', { phoneNumber: '+255712345670' }, 'Invalid / unsupported phone number'],
    ['a local phone', { phoneNumber: '0712345670' }, 'Invalid / unsupported phone number'],
    ['an unknown prefix', { phoneNumber: '255812345670' }, 'Invalid / unsupported phone number'],
    ['a phone ending in 9', { phoneNumber: '255712345679' }, 'Invalid / unsupported phone number'],
  ])('refuses %s', async (_name, override, message) => {
    const orderReference = ref();
    const response = await api.initiate({ ...push(orderReference, PHONE), ...override });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ message });
    expect(sb.getPayment(orderReference)).toBeUndefined();
  });

  it('accepts a decimal amount and keeps it as the exact string', async () => {
    const orderReference = ref();
    const response = await api.initiate(push(orderReference, PHONE, '1500.50'));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ collectedAmount: '1500.50' });
    expect(sb.getPayment(orderReference)?.amount).toBe('1500.50');
  });

  it('answers the documented 200 body with the channel taken from the prefix', async () => {
    const cases = [
      ['255754000001', 'M-PESA'],
      ['255724000001', 'M-PESA'],
      ['255684000001', 'AIRTEL-MONEY'],
      ['255654000001', 'TIGO-PESA'],
      ['255624000001', 'HALOPESA'],
    ] as const;
    for (const [phoneNumber, channel] of cases) {
      const orderReference = ref();
      const response = await api.initiate(push(orderReference, phoneNumber));
      expect(response.status).toBe(200);
      expect(Object.keys(response.body as object).sort()).toEqual(
        [
          'channel',
          'clientId',
          'collectedAmount',
          'collectedCurrency',
          'createdAt',
          'id',
          'orderReference',
          'status',
        ].sort(),
      );
      expect(response.body).toMatchObject({
        status: 'PROCESSING',
        channel,
        orderReference,
        collectedAmount: '1000',
        collectedCurrency: 'TZS',
        clientId: sb.clientId,
      });
      expect((response.body as { id: string }).id).toMatch(new RegExp(`^${orderReference}LCP[0-9A-F]+$`));
    }
  });

  it('answers malformed JSON with a 400 and keeps serving', async () => {
    const response = await api.post('/payments/initiate-ussd-push-request', '{"amount": ');
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect((await api.get('/payments/all')).status).toBe(200);
  });

  it('treats a non-object JSON body as an empty one', async () => {
    const response = await api.post('/payments/initiate-ussd-push-request', '[1,2]');
    expect(response).toMatchObject({ status: 400, body: { message: 'amount must be a numeric string' } });
  });
});

describe('preview', () => {
  it('validates like initiate and lists the wallet for the number', async () => {
    const response = await api.preview({ ...push(ref(), '255684000001'), fetchSenderDetails: true });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      activeMethods: [{ name: 'AIRTEL-MONEY', status: 'AVAILABLE', fee: 0, message: 'Available' }],
      sender: {
        accountName: 'Sandbox Customer',
        accountNumber: '255684000001',
        accountProvider: 'AIRTEL-MONEY',
      },
    });
  });

  it('works without a phone number (it is optional there) and creates nothing', async () => {
    const orderReference = ref();
    const response = await api.preview({ amount: '500', currency: 'TZS', orderReference });
    expect(response.status).toBe(200);
    expect((response.body as { activeMethods: unknown[] }).activeMethods).toHaveLength(4);
    expect(sb.getPayment(orderReference)).toBeUndefined();
  });

  it('refuses a number ending in 9 and a bad reference', async () => {
    expect((await api.preview(push(ref(), '255712345679'))).body).toEqual({
      message: 'Invalid / unsupported phone number',
    });
    expect((await api.preview(push('A B', PHONE))).body).toEqual({ message: BAD_REFERENCE });
  });
});
