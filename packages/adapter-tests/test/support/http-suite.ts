import type { PaymentEventType } from '@clickpesa-kit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  EXPLODE_HEADER,
  HOST_AUTH_ERROR_STATUS,
  HOST_NOT_FOUND_BODY,
  type HostSetup,
  type HostVariant,
  hostHealthBody,
  hostReceiptBody,
} from './host-conventions.js';
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

const CHECKSUM_KEY = 'adapter-suite-checksum-key';
const ONE_MIB = 1024 * 1024;
const MOUNTS: HostSetup['mount'][] = ['/', '/api/v1'];
/** Each route is exercised as written and with one trailing slash. */
const SLASHES = ['', '/'] as const;

interface Call {
  token?: 'alice' | 'bob';
  json?: unknown;
  /** A body sent as is, with its own content type. */
  raw?: { text: string; contentType: string };
  headers?: Record<string, string>;
}

/** Numbers ending in 7: the sandbox's customer never answers, so every state change is one the test made. */
const phone = () => nextMsisdn('25574');

/**
 * The whole HTTP contract of the payment routes (docs/http-api.md), run on each variant mounted at the root
 * and at /api/v1, on each store.
 */
export function runHttpSuite(variants: HostVariant[], stores: StoreKind[]): void {
  const sandbox = useSandbox({ checksumKey: CHECKSUM_KEY, approveDelayMs: 60_000 });

  describeHosts('HTTP contract', variants, stores, (variant, kind) => {
    describe.each(MOUNTS)('mounted at %s', (mount) => {
      const emitted: Partial<Record<PaymentEventType, number>> = {};
      const host = useHost(variant, kind, () => ({
        mount,
        options: {
          clickpesa: clickpesaOf(sandbox(), CHECKSUM_KEY),
          poller: false,
          // No 120/min provider budget: the suite makes hundreds of sandbox calls.
          budget: false,
          // the push limits have their own suite; here one owner makes hundreds of pushes
          rateLimits: false,
          // Every status read asks ClickPesa, so upstream calls are countable per request.
          statusRefreshMs: 0,
          // A verified webhook applies its payload directly: the outcome is visible without a poller.
          trustSignedWebhooks: true,
        },
      }));
      beforeAll(() => {
        for (const type of ['payment.created', 'payment.succeeded'] as const) {
          host().payments.events.on(type, () => {
            emitted[type] = (emitted[type] ?? 0) + 1;
          });
        }
      });

      async function call(
        method: string,
        path: string,
        { token, json, raw, headers = {} }: Call = {},
      ): Promise<Answer> {
        const init: RequestInit & { headers: Record<string, string> } = { method, headers: { ...headers } };
        if (token) init.headers.authorization = `Bearer ${token}-token`;
        if (json !== undefined) {
          init.headers['content-type'] = 'application/json';
          init.body = JSON.stringify(json);
        }
        if (raw) {
          init.headers['content-type'] = raw.contentType;
          init.body = raw.text;
        }
        const answer = await answerOf(await fetch(host().base + path, init));
        expectMatchesOpenApi(method, path, answer.status, answer.body);
        return answer;
      }

      async function createPayment(slash = ''): Promise<{ id: string; reference: string; answer: Answer }> {
        const answer = await call('POST', `/payments${slash}`, {
          token: 'alice',
          json: { amount: 1500, currency: 'TZS', msisdn: phone(), customer_name: 'Asha' },
        });
        expect(answer.status).toBe(201);
        return { id: answer.body.data.id, reference: answer.body.data.reference, answer };
      }

      function expectError(answer: Answer, status: number, code: string): void {
        expect(answer.status).toBe(status);
        expect(answer.body).toMatchObject({ success: false, error: { code } });
        expect(typeof answer.body.message).toBe('string');
        expect(JSON.stringify(answer.body)).not.toMatch(/at .+\.(ts|js):\d+/);
      }

      describe.each(SLASHES)('routes with trailing slash "%s"', (slash) => {
        it('POST /payments creates the payment and sends one push', async () => {
          const { reference, answer } = await createPayment(slash);
          expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
          expect(answer.body).toMatchObject({
            success: true,
            data: {
              status: 'processing',
              amount: '1500.00',
              currency: 'TZS',
              provider: 'VODACOM',
              customer_name: 'Asha',
            },
          });
          expect(answer.body.data.msisdn).toMatch(/^25574\d{7}$/);
          expect(reference).toMatch(/^PAY[0-9A-F]{12}$/);
          expect(sandbox().count('initiate', reference)).toBe(1);
        });

        it('GET /payments/:id returns the stored payment without asking ClickPesa', async () => {
          const { id, reference } = await createPayment();
          const queries = sandbox().count('query', reference);
          const answer = await call('GET', `/payments/${id}${slash}`, { token: 'alice' });
          expect(answer.status).toBe(200);
          expect(answer.body).toMatchObject({ success: true, data: { id, reference, status: 'processing' } });
          expect(sandbox().count('query', reference)).toBe(queries);
        });

        it('GET /payments/:id/status asks ClickPesa and returns data + provider_status', async () => {
          const { id, reference } = await createPayment();
          sandbox().approve(reference);
          const answer = await call('GET', `/payments/${id}/status${slash}`, { token: 'alice' });
          expect(answer.status).toBe(200);
          expect(answer.body).toMatchObject({
            success: true,
            data: { id, status: 'success' },
            provider_status: { status: 'SUCCESS', orderReference: reference },
          });
          expect(sandbox().count('query', reference)).toBeGreaterThanOrEqual(1);
        });

        it('POST /payments/:id/cancel cancels a processing payment locally', async () => {
          const { id } = await createPayment();
          const answer = await call('POST', `/payments/${id}/cancel${slash}`, { token: 'alice' });
          expect(answer.status).toBe(200);
          expect(answer.body).toMatchObject({ success: true, data: { id, status: 'cancelled' } });
          expectError(
            await call('POST', `/payments/${id}/cancel${slash}`, { token: 'alice' }),
            409,
            'CANCEL_NOT_ALLOWED',
          );
        });

        it('POST /payments/:id/retry pushes again after a failure, 409 while processing', async () => {
          const { id, reference } = await createPayment();
          expectError(
            await call('POST', `/payments/${id}/retry${slash}`, { token: 'alice' }),
            409,
            'RETRY_NOT_ALLOWED',
          );
          sandbox().reject(reference);
          await call('GET', `/payments/${id}/status`, { token: 'alice' });
          const answer = await call('POST', `/payments/${id}/retry${slash}`, { token: 'alice' });
          expect(answer.status).toBe(201);
          expect(answer.body).toMatchObject({ success: true, data: { id, attempts: 2 } });
          expect(answer.body.data.reference).not.toBe(reference);
          expect(sandbox().count('initiate', answer.body.data.reference)).toBe(1);
        });

        it('POST /callback applies a webhook with a valid checksum, 401 for an invalid or missing one', async () => {
          const { id, reference } = await createPayment();
          sandbox().approve(reference);
          const url = `${host().base}/callback${slash}`;
          expect(
            await sandbox().sendWebhook(reference, {
              url,
              mutate: (body) => ({ ...body, checksum: 'f'.repeat(64) }),
            }),
          ).toBe(401);
          expect(await sandbox().sendWebhook(reference, { url, signed: false })).toBe(401);
          expect((await call('GET', `/payments/${id}`, { token: 'alice' })).body.data.status).toBe(
            'processing',
          );
          expect(await sandbox().sendWebhook(reference, { url })).toBe(200);
          expect((await call('GET', `/payments/${id}`, { token: 'alice' })).body.data.status).toBe('success');
        });
      });

      it('answers 401 on every authenticated route without a known principal', async () => {
        const { id } = await createPayment();
        const routes = [
          ['POST', '/payments'],
          ['GET', `/payments/${id}`],
          ['GET', `/payments/${id}/status`],
          ['POST', `/payments/${id}/retry`],
          ['POST', `/payments/${id}/cancel`],
        ] as const;
        for (const [method, path] of routes) {
          expectError(await call(method, path), 401, 'UNAUTHORIZED');
          expectError(
            await call(method, path, { headers: { authorization: 'Bearer forged' } }),
            401,
            'UNAUTHORIZED',
          );
        }
      });

      it('answers 404 to another owner on every route, without asking ClickPesa', async () => {
        const { id, reference } = await createPayment();
        const queries = sandbox().count('query', reference);
        for (const [method, path] of [
          ['GET', `/payments/${id}`],
          ['GET', `/payments/${id}/status`],
          ['POST', `/payments/${id}/retry`],
          ['POST', `/payments/${id}/cancel`],
        ] as const) {
          expectError(await call(method, path, { token: 'bob' }), 404, 'NOT_FOUND');
        }
        expect(sandbox().count('query', reference)).toBe(queries);
        expectError(
          await call('GET', '/payments/00000000-0000-4000-8000-000000000000', { token: 'alice' }),
          404,
          'NOT_FOUND',
        );
      });

      it('answers 400 with details naming each invalid field, and stores nothing', async () => {
        const created = emitted['payment.created'] ?? 0;
        const answer = await call('POST', '/payments', {
          token: 'alice',
          json: { amount: -5, currency: 'USD', msisdn: '12345' },
        });
        expectError(answer, 400, 'VALIDATION_ERROR');
        const fields = (answer.body.error.details as { field?: string }[]).map((detail) => detail.field);
        expect(fields).toEqual(expect.arrayContaining(['amount', 'currency', 'msisdn']));
        expect(emitted['payment.created'] ?? 0).toBe(created);
      });

      it('answers 400 to malformed JSON', async () => {
        const raw = { text: '{"amount": 1500,', contentType: 'application/json' };
        for (const path of ['/payments', '/callback']) {
          const answer = await call('POST', path, { token: 'alice', raw });
          if (variant.parserAnswersBodyErrors) expect(answer.status).toBe(400);
          else expectError(answer, 400, 'MALFORMED_JSON');
        }
      });

      it('answers 415 to a body that is not JSON', async () => {
        const raw = { text: 'amount=1500&currency=TZS', contentType: 'text/plain' };
        expectError(await call('POST', '/payments', { token: 'alice', raw }), 415, 'UNSUPPORTED_MEDIA_TYPE');
        expectError(await call('POST', '/callback', { raw }), 415, 'UNSUPPORTED_MEDIA_TYPE');
      });

      it('answers 413 to a 1 MiB body, stores nothing and keeps the connection usable', async () => {
        const created = emitted['payment.created'] ?? 0;
        const initiates = sandbox().count('initiate');
        const head = `{"amount":1500,"currency":"TZS","msisdn":"${phone()}","customer_name":"`;
        const text = `${head}${'x'.repeat(ONE_MIB - head.length - 2)}"}`;
        expect(Buffer.byteLength(text)).toBe(ONE_MIB);
        for (const path of ['/payments', '/callback']) {
          const answer = await call('POST', path, {
            token: 'alice',
            raw: { text, contentType: 'application/json' },
          });
          if (variant.parserAnswersBodyErrors) expect(answer.status).toBe(413);
          else expectError(answer, 413, 'PAYLOAD_TOO_LARGE');
        }
        expect(emitted['payment.created'] ?? 0).toBe(created);
        expect(sandbox().count('initiate')).toBe(initiates);
        // The unread rest of the body was drained: the next requests are answered, not reset or hung.
        for (let i = 0; i < 3; i++) expect((await call('GET', '/health')).status).toBe(200);
      });

      it('answers 405 to a GET on the webhook route', async () => {
        const answer = await call('GET', '/callback');
        expectError(answer, 405, 'METHOD_NOT_ALLOWED');
        expect(answer.headers.get('allow')).toBe('POST');
      });

      it("lets paths that are not ours fall through to the host's own routes", async () => {
        const receipt = await call('GET', '/payments/abc/receipt', { token: 'alice' });
        expect(receipt).toMatchObject({ status: 200, body: hostReceiptBody('abc') });
        expect(await call('GET', '/health')).toMatchObject({ status: 200, body: hostHealthBody });
        expect(await call('GET', '/payments/abc/status/extra', { token: 'alice' })).toMatchObject({
          status: 404,
          body: HOST_NOT_FOUND_BODY,
        });
      });

      it("hands an error thrown by the host's authenticate to the host's error handling", async () => {
        const answer = await call('GET', '/payments/abc', {
          token: 'alice',
          headers: { [EXPLODE_HEADER]: '1' },
        });
        expect(answer).toMatchObject({
          status: HOST_AUTH_ERROR_STATUS,
          body: { host_error: 'host authenticate failed' },
        });
      });
    });
  });
}
