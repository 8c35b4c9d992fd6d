import { request as httpRequest } from 'node:http';
import { createMemoryStore, type PaymentEventType } from '@clickpesa-kit/core';
import { type Sandbox, startSandbox } from '@clickpesa-kit/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostVariant, RunningHost } from './host-conventions.js';
import { expectMatchesOpenApi } from './openapi-check.js';

/** The host's orders: what each costs. The server, not the browser, knows these prices. */
const ORDERS: Readonly<Record<string, number | string>> = {
  'ORD-50K': 50_000,
  'ORD-20K': 20_000,
  'ORD-101': 101,
  'ORD-1500': '1500.00',
};
/** An order whose lookup fails with a message that must never reach a client. */
const BROKEN_ORDER = 'ORD-BROKEN';
const LEAKY_MESSAGE = 'orders-db password=s3cr3t-orders unreachable';

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: envelopes are asserted field by field
  body: any;
  text: string;
}

let msisdnSerial = 0;
/** A fresh Vodacom number per payment ending in 7 (the sandbox's customer never answers). */
function nextMsisdn(): string {
  msisdnSerial += 1;
  return `25576${String(msisdnSerial).padStart(6, '0')}7`;
}

/**
 * Money safety over real HTTP (SEC-2, SEC-7, IDEM-1): the server-set price, exact JSON amounts and the small
 * body/header rules, on each framework with and without its host body parser.
 */
export function runMoneySuite(variants: HostVariant[]): void {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ approveDelayMs: 60_000 });
  });
  afterAll(() => sandbox.close());

  describe.each(variants)('money safety: $name', (variant) => {
    let host: RunningHost;
    const emitted: Partial<Record<PaymentEventType, number>> = {};

    beforeAll(async () => {
      host = await variant.start({
        mount: '/',
        options: {
          store: createMemoryStore(),
          clickpesa: { clientId: sandbox.clientId, apiKey: sandbox.apiKey, baseUrl: sandbox.url, env: {} },
          poller: false,
          budget: false,
          // the push limits have their own suite; here one owner makes many pushes
          rateLimits: false,
          resolveAmount: async ({ externalOrderId }) => {
            if (externalOrderId === BROKEN_ORDER) throw new Error(LEAKY_MESSAGE);
            const amount = externalOrderId === null ? undefined : ORDERS[externalOrderId];
            return amount === undefined ? null : { amount };
          },
        },
      });
      host.payments.events.on('payment.created', () => {
        emitted['payment.created'] = (emitted['payment.created'] ?? 0) + 1;
      });
    });
    afterAll(() => host.close());

    async function post(
      json: unknown,
      { raw, headers = {} }: { raw?: string; headers?: Record<string, string> } = {},
    ): Promise<Answer> {
      const response = await fetch(`${host.base}/payments`, {
        method: 'POST',
        headers: { authorization: 'Bearer alice-token', 'content-type': 'application/json', ...headers },
        body: raw ?? JSON.stringify(json),
      });
      const text = await response.text();
      const body = text ? JSON.parse(text) : undefined;
      expectMatchesOpenApi('POST', '/payments', response.status, body);
      return { status: response.status, body, text };
    }

    function fieldsOf(answer: Answer): string[] {
      return ((answer.body?.error?.details ?? []) as { field?: string }[]).map((detail) =>
        String(detail.field),
      );
    }

    /** Runs `action` and says how many payments and pushes it caused. */
    async function effects(action: () => Promise<Answer>) {
      const created = emitted['payment.created'] ?? 0;
      const initiates = sandbox.count('initiate');
      const answer = await action();
      return {
        answer,
        created: (emitted['payment.created'] ?? 0) - created,
        pushes: sandbox.count('initiate') - initiates,
      };
    }

    it('refuses an underpayment: 100 sent for an order of 50,000 → 400 naming amount, no push', async () => {
      const { answer, created, pushes } = await effects(() =>
        post({ amount: 100, msisdn: nextMsisdn(), external_order_id: 'ORD-50K' }),
      );
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('VALIDATION_ERROR');
      expect(fieldsOf(answer)).toEqual(['amount']);
      expect({ created, pushes }).toEqual({ created: 0, pushes: 0 });
    });

    it('charges the order amount when the browser sends none: the push goes out for 50,000', async () => {
      const answer = await post({ msisdn: nextMsisdn(), external_order_id: 'ORD-50K' });
      expect(answer.status).toBe(201);
      expect(answer.body.data.amount).toBe('50000.00');
      expect(sandbox.getPayment(answer.body.data.reference)?.amount).toBe('50000');
    });

    it('accepts a browser amount equal to the order after normalisation ("20000.00" == 20000)', async () => {
      const answer = await post({ amount: '20000.00', msisdn: nextMsisdn(), external_order_id: 'ORD-20K' });
      expect(answer.status).toBe(201);
      expect(sandbox.getPayment(answer.body.data.reference)?.amount).toBe('20000');
    });

    it('answers 404 ORDER_NOT_FOUND for an unknown order and 400 naming external_order_id without one', async () => {
      const unknown = await effects(() => post({ msisdn: nextMsisdn(), external_order_id: 'ORD-NOPE' }));
      expect(unknown.answer.status).toBe(404);
      expect(unknown.answer.body.error.code).toBe('ORDER_NOT_FOUND');
      expect(fieldsOf(unknown.answer)).toEqual(['external_order_id']);
      const missing = await effects(() => post({ amount: 1500, msisdn: nextMsisdn() }));
      expect(missing.answer.status).toBe(400);
      expect(fieldsOf(missing.answer)).toEqual(['external_order_id']);
      expect([unknown.created, unknown.pushes, missing.created, missing.pushes]).toEqual([0, 0, 0, 0]);
    });

    it('answers 500 when resolveAmount throws, without its message', async () => {
      const { answer, created, pushes } = await effects(() =>
        post({ msisdn: nextMsisdn(), external_order_id: BROKEN_ORDER }),
      );
      expect(answer.status).toBe(500);
      expect(answer.body.error.code).toBe('INTERNAL_ERROR');
      expect(answer.text).not.toContain('s3cr3t');
      expect(answer.text).not.toContain('password');
      expect({ created, pushes }).toEqual({ created: 0, pushes: 0 });
    });

    it('refuses a JSON number with more decimals than it can carry (100.999999999999999999 is not 101)', async () => {
      const raw = `{"amount":100.999999999999999999,"msisdn":"${nextMsisdn()}","external_order_id":"ORD-101"}`;
      const { answer, pushes } = await effects(() => post(undefined, { raw }));
      if (variant.parserAnswersBodyErrors && answer.status === 201) {
        // express.json() made it the double 101 and kept no text: only a decimal string is exact there
        // (@koa/bodyparser keeps the raw text, so Koa hosts get the refusal below)
        expect(answer.body.data.amount).toBe('101.00');
        return;
      }
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('VALIDATION_ERROR');
      expect(fieldsOf(answer)).toEqual(['amount']);
      expect(pushes).toBe(0);
    });

    it('accepts exact JSON numbers: 1500, 1500.0, 1.5e3', async () => {
      for (const amount of ['1500', '1500.0', '1.5e3']) {
        const raw = `{"amount":${amount},"msisdn":"${nextMsisdn()}","external_order_id":"ORD-1500"}`;
        const answer = await post(undefined, { raw });
        expect(answer.status).toBe(201);
        expect(answer.body.data.amount).toBe('1500.00');
        // one active payment per order (ORD-2): cancelling this one frees the order for the next amount
        const cancelled = await fetch(`${host.base}/payments/${answer.body.data.id}/cancel`, {
          method: 'POST',
          headers: { authorization: 'Bearer alice-token' },
        });
        expect(cancelled.status).toBe(200);
      }
    });

    it('answers 400 naming the body to valid JSON that is not an object', async () => {
      for (const raw of ['"hi"', 'null', '[1]']) {
        const { answer, created } = await effects(() => post(undefined, { raw }));
        expect(answer.status).toBe(400);
        expect(created).toBe(0);
        // a host's strict parser answers "hi" and null itself; whatever reaches us gets our envelope
        if (answer.body?.success === false) {
          expect(answer.body.error.code).toBe('VALIDATION_ERROR');
          if (!variant.parserAnswersBodyErrors || raw === '[1]') {
            expect(answer.body.message).toBe('the body must be a JSON object');
            expect(fieldsOf(answer)).toEqual(['body']);
          }
        } else {
          expect(variant.parserAnswersBodyErrors).toBe(true);
        }
      }
    });

    it('answers 400 naming Idempotency-Key when the header is sent twice, and pushes nothing', async () => {
      const body = JSON.stringify({ msisdn: nextMsisdn(), external_order_id: 'ORD-1500' });
      const initiates = sandbox.count('initiate');
      const answer = await new Promise<Answer>((resolve, reject) => {
        const request = httpRequest(
          `${host.base}/payments`,
          {
            method: 'POST',
            headers: {
              authorization: 'Bearer alice-token',
              'content-type': 'application/json',
              'content-length': String(Buffer.byteLength(body)),
              // two header lines: Node joins them as "key-a, key-b"
              'idempotency-key': ['key-a', 'key-b'],
            },
          },
          (response) => {
            let text = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => {
              text += chunk;
            });
            response.on('end', () =>
              resolve({ status: response.statusCode ?? 0, body: JSON.parse(text), text }),
            );
          },
        );
        request.on('error', reject);
        request.end(body);
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('VALIDATION_ERROR');
      expect(fieldsOf(answer)).toEqual(['Idempotency-Key']);
      expect(sandbox.count('initiate')).toBe(initiates);
    });
  });
}
