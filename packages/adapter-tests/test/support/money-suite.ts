import { request as httpRequest } from 'node:http';
import type { PaymentEventType } from '@clickpesa-kit/core';
import { beforeAll, expect, it } from 'vitest';
import type { HostVariant } from './host-conventions.js';
import { expectMatchesOpenApi } from './openapi-check.js';
import type { StoreKind } from './stores.js';
import {
  type Answer,
  answerOf,
  clickpesaOf,
  describeHosts,
  nextMsisdn,
  useHost,
  useSandbox,
} from './suite-kit.js';

/** The host's orders: what each costs. The server, not the browser, knows these prices. */
const ORDERS: Readonly<Record<string, number | string>> = {
  'ORD-50K': 50_000,
  'ORD-20K': 20_000,
  'ORD-101': 101,
  'ORD-1500': '1500.00',
  'ORD-META': 700,
};
/** An order whose lookup fails with a message that must never reach a client. */
const BROKEN_ORDER = 'ORD-BROKEN';
const LEAKY_MESSAGE = 'orders-db password=s3cr3t-orders unreachable';
const phone = () => nextMsisdn('25576');

/**
 * Money safety over real HTTP (SEC-2, SEC-7, IDEM-1): the server-set price, exact JSON amounts, metadata text
 * rules and the small body/header rules, on each framework with and without its host body parser, on each store.
 */
export function runMoneySuite(variants: HostVariant[], stores: StoreKind[]): void {
  const sandbox = useSandbox({ approveDelayMs: 60_000 });

  describeHosts('money safety', variants, stores, (variant, kind) => {
    const emitted: Partial<Record<PaymentEventType, number>> = {};
    const host = useHost(variant, kind, () => ({
      mount: '/',
      options: {
        clickpesa: clickpesaOf(sandbox()),
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
    }));
    beforeAll(() => {
      host().payments.events.on('payment.created', () => {
        emitted['payment.created'] = (emitted['payment.created'] ?? 0) + 1;
      });
    });

    async function post(
      json: unknown,
      { raw, headers = {} }: { raw?: string; headers?: Record<string, string> } = {},
    ): Promise<Answer> {
      const answer = await answerOf(
        await fetch(`${host().base}/payments`, {
          method: 'POST',
          headers: { authorization: 'Bearer alice-token', 'content-type': 'application/json', ...headers },
          body: raw ?? JSON.stringify(json),
        }),
      );
      expectMatchesOpenApi('POST', '/payments', answer.status, answer.body);
      return answer;
    }

    function fieldsOf(answer: Answer): string[] {
      return ((answer.body?.error?.details ?? []) as { field?: string }[]).map((detail) =>
        String(detail.field),
      );
    }

    /** Runs `action` and says how many payments and pushes it caused. */
    async function effects(action: () => Promise<Answer>) {
      const created = emitted['payment.created'] ?? 0;
      const initiates = sandbox().count('initiate');
      const answer = await action();
      return {
        answer,
        created: (emitted['payment.created'] ?? 0) - created,
        pushes: sandbox().count('initiate') - initiates,
      };
    }

    it('refuses an underpayment: 100 sent for an order of 50,000 → 400 naming amount, no push', async () => {
      const { answer, created, pushes } = await effects(() =>
        post({ amount: 100, msisdn: phone(), external_order_id: 'ORD-50K' }),
      );
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('VALIDATION_ERROR');
      expect(fieldsOf(answer)).toEqual(['amount']);
      expect({ created, pushes }).toEqual({ created: 0, pushes: 0 });
    });

    it('charges the order amount when the browser sends none: the push goes out for 50,000', async () => {
      const answer = await post({ msisdn: phone(), external_order_id: 'ORD-50K' });
      expect(answer.status).toBe(201);
      expect(answer.body.data.amount).toBe('50000.00');
      expect(sandbox().getPayment(answer.body.data.reference)?.amount).toBe('50000');
    });

    it('accepts a browser amount equal to the order after normalisation ("20000.00" == 20000)', async () => {
      const answer = await post({ amount: '20000.00', msisdn: phone(), external_order_id: 'ORD-20K' });
      expect(answer.status).toBe(201);
      expect(sandbox().getPayment(answer.body.data.reference)?.amount).toBe('20000');
    });

    it('answers 404 ORDER_NOT_FOUND for an unknown order and 400 naming external_order_id without one', async () => {
      const unknown = await effects(() => post({ msisdn: phone(), external_order_id: 'ORD-NOPE' }));
      expect(unknown.answer.status).toBe(404);
      expect(unknown.answer.body.error.code).toBe('ORDER_NOT_FOUND');
      expect(fieldsOf(unknown.answer)).toEqual(['external_order_id']);
      const missing = await effects(() => post({ amount: 1500, msisdn: phone() }));
      expect(missing.answer.status).toBe(400);
      expect(fieldsOf(missing.answer)).toEqual(['external_order_id']);
      expect([unknown.created, unknown.pushes, missing.created, missing.pushes]).toEqual([0, 0, 0, 0]);
    });

    it('answers 500 when resolveAmount throws, without its message', async () => {
      const { answer, created, pushes } = await effects(() =>
        post({ msisdn: phone(), external_order_id: BROKEN_ORDER }),
      );
      expect(answer.status).toBe(500);
      expect(answer.body.error.code).toBe('INTERNAL_ERROR');
      expect(answer.text).not.toContain('s3cr3t');
      expect(answer.text).not.toContain('password');
      expect({ created, pushes }).toEqual({ created: 0, pushes: 0 });
    });

    it('refuses a JSON number with more decimals than it can carry (100.999999999999999999 is not 101)', async () => {
      const raw = `{"amount":100.999999999999999999,"msisdn":"${phone()}","external_order_id":"ORD-101"}`;
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
        const raw = `{"amount":${amount},"msisdn":"${phone()}","external_order_id":"ORD-1500"}`;
        const answer = await post(undefined, { raw });
        expect(answer.status).toBe(201);
        expect(answer.body.data.amount).toBe('1500.00');
        // one active payment per order (ORD-2): cancelling this one frees the order for the next amount
        const cancelled = await fetch(`${host().base}/payments/${answer.body.data.id}/cancel`, {
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
      const body = JSON.stringify({ msisdn: phone(), external_order_id: 'ORD-1500' });
      const initiates = sandbox().count('initiate');
      const answer = await new Promise<Answer>((resolve, reject) => {
        const request = httpRequest(
          `${host().base}/payments`,
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
              resolve({
                status: response.statusCode ?? 0,
                headers: new Headers(),
                body: JSON.parse(text),
                text,
              }),
            );
          },
        );
        request.on('error', reject);
        request.end(body);
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('VALIDATION_ERROR');
      expect(fieldsOf(answer)).toEqual(['Idempotency-Key']);
      expect(sandbox().count('initiate')).toBe(initiates);
    });

    it('answers 400 naming the field to a lone surrogate or a NUL in metadata or customer_name, and stores nothing', async () => {
      const cases = [
        { metadata: { note: '\ud800' }, field: 'metadata.note' },
        { metadata: { note: 'tail \udfff' }, field: 'metadata.note' },
        { metadata: { note: 'a\u0000b' }, field: 'metadata.note' },
        { customer_name: 'Asha\ud83d', field: 'customer_name' },
        { customer_name: 'As\u0000ha', field: 'customer_name' },
      ];
      for (const { field, ...fields } of cases) {
        const { answer, created, pushes } = await effects(() =>
          post({ msisdn: phone(), external_order_id: 'ORD-1500', ...fields }),
        );
        expect(answer.status).toBe(400);
        expect(answer.body.error.code).toBe('VALIDATION_ERROR');
        expect(fieldsOf(answer)).toEqual([field]);
        expect({ created, pushes }).toEqual({ created: 0, pushes: 0 });
      }
    });

    it('keeps ordinary text exactly: an emoji (a surrogate pair), tab and newline round-trip through the store', async () => {
      const note = 'Asante sana \u{1F44D}\tmstari\nwa pili';
      const created = await post({ msisdn: phone(), external_order_id: 'ORD-META', metadata: { note } });
      expect(created.status).toBe(201);
      const read = await answerOf(
        await fetch(`${host().base}/payments/${created.body.data.id}`, {
          headers: { authorization: 'Bearer alice-token' },
        }),
      );
      expect(read.status).toBe(200);
      expect(read.body.data.metadata).toEqual({ note });
    });
  });
}
