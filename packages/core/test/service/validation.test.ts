import { describe, expect, it } from 'vitest';
import { isClickPesaKitError } from '../../src/errors.js';
import { resolveServiceOptions } from '../../src/service/options.js';
import { validateInitiateBody } from '../../src/service/validation.js';

const options = resolveServiceOptions({ allowedCallbackUrls: ['https://shop.example/hooks/pay'] });
const valid = { amount: 1000, currency: 'TZS', msisdn: '255712345678' };

function details(body: unknown, opts = options): unknown {
  try {
    validateInitiateBody(body, opts);
  } catch (error) {
    if (isClickPesaKitError(error, 'VALIDATION_ERROR')) return error.details;
    throw error;
  }
  throw new Error('expected a validation error');
}

describe('initiate body validation', () => {
  it('normalises a valid body and ignores unknown fields', () => {
    const request = validateInitiateBody(
      {
        amount: '1000.5',
        msisdn: '+255 712 345 678',
        customer_name: '  Test User ',
        metadata: { order: 'A1', qty: 2, gift: false, note: null },
        callback_url: 'https://shop.example/hooks/pay',
        external_order_id: 'ORD-1',
        orderReference: 'CLIENTCHOSEN',
        surprise: true,
      },
      options,
    );
    expect(request).toEqual({
      amount: '1000.50',
      currency: 'TZS',
      msisdn: '255712345678',
      provider: 'TIGO',
      customerName: 'Test User',
      metadata: { order: 'A1', qty: 2, gift: false, note: null },
      callbackUrl: 'https://shop.example/hooks/pay',
      externalOrderId: 'ORD-1',
    });
  });

  it('derives the provider from the prefix and accepts a matching one, any alias', () => {
    expect(validateInitiateBody({ ...valid, msisdn: '0682345678' }, options).provider).toBe('AIRTEL');
    expect(validateInitiateBody({ ...valid, provider: 'mixx' }, options).provider).toBe('TIGO');
    expect(validateInitiateBody({ ...valid, provider: 'YAS' }, options).provider).toBe('TIGO');
    expect(
      validateInitiateBody({ ...valid, msisdn: '0754123456', provider: 'VODACOM' }, options).provider,
    ).toBe('VODACOM');
  });

  const table: Array<[string, Record<string, unknown>, Array<{ field: string; message: string }>]> = [
    [
      'amount missing',
      { currency: 'TZS', msisdn: '255712345678' },
      [{ field: 'amount', message: 'amount is required' }],
    ],
    [
      'amount zero',
      { ...valid, amount: 0 },
      [{ field: 'amount', message: 'Amount must be greater than zero' }],
    ],
    [
      'amount negative',
      { ...valid, amount: -5 },
      [{ field: 'amount', message: 'Amount must be greater than zero' }],
    ],
    [
      'amount with an exponent',
      { ...valid, amount: '1e3' },
      [{ field: 'amount', message: 'Amount must be a plain decimal number, e.g. 1000 or "1000.50"' }],
    ],
    [
      'amount with 3 decimals',
      { ...valid, amount: '1000.505' },
      [{ field: 'amount', message: 'Amount may have at most 2 decimal places' }],
    ],
    [
      'amount below min',
      { ...valid, amount: 99 },
      [{ field: 'amount', message: 'Amount must be at least 100' }],
    ],
    [
      'amount above max',
      { ...valid, amount: 10_000_001 },
      [{ field: 'amount', message: 'Amount must be at most 10000000' }],
    ],
    [
      'amount of the wrong type',
      { ...valid, amount: true },
      [{ field: 'amount', message: 'Amount must be a number or a numeric string' }],
    ],
    [
      'currency not TZS',
      { ...valid, currency: 'USD' },
      [
        {
          field: 'currency',
          message: 'currency must be TZS: ClickPesa USSD push takes Tanzanian shillings only',
        },
      ],
    ],
    ['msisdn missing', { amount: 1000 }, [{ field: 'msisdn', message: 'msisdn is required' }]],
    [
      'msisdn with an unknown prefix',
      { ...valid, msisdn: '255642345678' },
      [{ field: 'msisdn', message: 'Phone number has an unknown operator prefix' }],
    ],
    [
      'msisdn too long',
      { ...valid, msisdn: '2557123456789' },
      [
        {
          field: 'msisdn',
          message:
            'Phone number must be a Tanzanian mobile number: 255XXXXXXXXX, +255XXXXXXXXX or 0XXXXXXXXX',
        },
      ],
    ],
    [
      'msisdn with letters',
      { ...valid, msisdn: '25571234567a' },
      [
        {
          field: 'msisdn',
          message: 'Phone number may contain only digits, a leading +, spaces, dots and dashes',
        },
      ],
    ],
    [
      'provider unknown',
      { ...valid, provider: 'MPESA-KENYA' },
      [{ field: 'provider', message: 'provider must be one of AIRTEL, VODACOM, TIGO (YAS, MIXX), HALOPESA' }],
    ],
    [
      'provider contradicting the prefix',
      { ...valid, provider: 'AIRTEL' },
      [{ field: 'provider', message: "provider AIRTEL does not match the phone number's operator (TIGO)" }],
    ],
    [
      'customer_name too long',
      { ...valid, customer_name: 'x'.repeat(101) },
      [{ field: 'customer_name', message: 'customer_name must be at most 100 characters' }],
    ],
    [
      'customer_name not a string',
      { ...valid, customer_name: 42 },
      [{ field: 'customer_name', message: 'customer_name must be a string' }],
    ],
    [
      'metadata not an object',
      { ...valid, metadata: [1, 2] },
      [{ field: 'metadata', message: 'metadata must be an object' }],
    ],
    [
      'metadata nested',
      { ...valid, metadata: { cart: { id: 1 } } },
      [
        {
          field: 'metadata',
          message: 'metadata must be flat: "cart" must be a string, number, boolean or null',
        },
      ],
    ],
    [
      'metadata over 2 KiB',
      { ...valid, metadata: { blob: 'x'.repeat(2100) } },
      [{ field: 'metadata', message: 'metadata must be at most 2048 bytes as JSON' }],
    ],
    [
      'callback_url not allowed',
      { ...valid, callback_url: 'http://127.0.0.1/steal' },
      [{ field: 'callback_url', message: 'callback_url is not one of the callback URLs this server allows' }],
    ],
  ];

  it.each(table)('%s', (_name, body, expected) => {
    expect(details(body)).toEqual(expected);
  });

  it('names every failing field at once', () => {
    expect(details({ amount: 'abc', currency: 'KES', msisdn: '1' })).toEqual([
      { field: 'amount', message: 'Amount must be a plain decimal number, e.g. 1000 or "1000.50"' },
      {
        field: 'currency',
        message: 'currency must be TZS: ClickPesa USSD push takes Tanzanian shillings only',
      },
      {
        field: 'msisdn',
        message: 'Phone number must be a Tanzanian mobile number: 255XXXXXXXXX, +255XXXXXXXXX or 0XXXXXXXXX',
      },
    ]);
  });

  it('rejects a body that is not an object', () => {
    for (const body of [null, 'text', [valid], 5]) {
      expect(details(body)).toEqual([{ field: 'body', message: 'the body must be a JSON object' }]);
    }
  });

  it.each([
    ['an unpaired high surrogate', '\ud800', 'must not contain unpaired UTF-16 surrogates'],
    ['an unpaired low surrogate', 'ab\udc00', 'must not contain unpaired UTF-16 surrogates'],
    ['NUL', 'a\u0000b', 'must not contain control characters'],
    ['an escape character', '\u001b[31m', 'must not contain control characters'],
    ['DEL', 'x\u007f', 'must not contain control characters'],
  ])('refuses a metadata string with %s, naming metadata.<key>', (_name, text, problem) => {
    expect(details({ ...valid, metadata: { ok: 'fine', x: text } })).toEqual([
      { field: 'metadata.x', message: `metadata.x ${problem}` },
    ]);
  });

  it('keeps metadata strings with tabs, line breaks and paired surrogates (emoji)', () => {
    const metadata = { note: 'line one\nline two\ttab\r', mood: '😀' };
    expect(validateInitiateBody({ ...valid, metadata }, options).metadata).toEqual(metadata);
  });

  it('refuses a metadata key with a NUL or an unpaired surrogate, naming metadata', () => {
    expect(details({ ...valid, metadata: { 'a\u0000': 1 } })).toEqual([
      { field: 'metadata', message: 'metadata keys must not contain control characters' },
    ]);
    expect(details({ ...valid, metadata: { '\ud800': 1 } })).toEqual([
      { field: 'metadata', message: 'metadata keys must not contain unpaired UTF-16 surrogates' },
    ]);
  });

  it('refuses customer_name and external_order_id with an unpaired surrogate', () => {
    expect(details({ ...valid, customer_name: 'Asha \ud800', external_order_id: 'A\udfff1' })).toEqual([
      { field: 'customer_name', message: 'customer_name must not contain unpaired UTF-16 surrogates' },
      {
        field: 'external_order_id',
        message: 'external_order_id must not contain unpaired UTF-16 surrogates',
      },
    ]);
  });

  it('with resolveAmount: amount optional, external_order_id required', () => {
    const priced = resolveServiceOptions({ resolveAmount: () => ({ amount: 1000 }) });
    const { amount: _amount, ...withoutAmount } = valid;
    expect(validateInitiateBody({ ...withoutAmount, external_order_id: 'A1' }, priced).amount).toBeNull();
    expect(details(withoutAmount, priced)).toEqual([
      {
        field: 'external_order_id',
        message: 'external_order_id is required: the server sets the amount from the order',
      },
    ]);
    expect(details({ ...withoutAmount, external_order_id: '  ' }, priced)).toEqual([
      {
        field: 'external_order_id',
        message: 'external_order_id is required: the server sets the amount from the order',
      },
    ]);
    // a client amount is still checked for its form
    expect(details({ ...valid, amount: 'abc', external_order_id: 'A1' }, priced)).toEqual([
      { field: 'amount', message: 'Amount must be a plain decimal number, e.g. 1000 or "1000.50"' },
    ]);
    // without resolveAmount nothing changed: amount required, external_order_id optional
    expect(details(withoutAmount)).toEqual([{ field: 'amount', message: 'amount is required' }]);
  });

  it('applies configured amount limits', () => {
    const tight = resolveServiceOptions({ minAmount: 500, maxAmount: '3000000' });
    expect(details({ ...valid, amount: 499 }, tight)).toEqual([
      { field: 'amount', message: 'Amount must be at least 500' },
    ]);
    expect(validateInitiateBody({ ...valid, amount: 3_000_000 }, tight).amount).toBe('3000000.00');
  });
});
