import { type ClickPesaPayments, createClickPesaPayments, type Logger } from '@clickpesa-kit/core';
import { type Sandbox, startSandbox } from '@clickpesa-kit/sandbox';
import { createPostgresStore, type PostgresStore } from '@clickpesa-kit/store-postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, findTestDatabase, uniqueSchema } from './test-database.js';

const database = await findTestDatabase();
const suite = database.url === undefined ? describe.skip : describe;
const url = database.url ?? '';

/**
 * PostgreSQL refuses NUL in text and unpaired surrogates in JSON. Such strings in a request or a webhook must
 * end as a client error or be made storable: never as a 503 "storage unavailable" (SEC-14).
 */
suite(`unstorable text with the PostgreSQL store${database.skipReason ? ` — ${database.skipReason}` : ''}`, () => {
  const schema = uniqueSchema('cpk_text');
  let store: PostgresStore;
  let sandbox: Sandbox;
  let payments: ClickPesaPayments;
  const errorLines: string[] = [];
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: (_fields: unknown, message?: string) => {
      errorLines.push(String(message));
    },
  } as unknown as Logger;

  beforeAll(async () => {
    store = createPostgresStore({ connectionString: url, schema });
    await store.migrate();
    sandbox = await startSandbox({ approveDelayMs: 60_000 });
    payments = createClickPesaPayments({
      store,
      authenticate: () => ({ id: 'alice' }),
      clickpesa: { clientId: sandbox.clientId, apiKey: sandbox.apiKey, baseUrl: sandbox.url, env: {} },
      poller: false,
      budget: false,
      logger,
    });
  });
  afterAll(async () => {
    await payments?.close();
    await sandbox?.close();
    await store?.close();
    await dropSchema(url, schema);
  });

  it('refuses metadata with an unpaired surrogate or a NUL before any store call (400 naming the field)', async () => {
    for (const text of ['\ud800', 'a\u0000b']) {
      const error = await payments.service
        .initiate('alice', { amount: 1000, msisdn: '255741000117', metadata: { x: text } })
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'metadata.x' }] });
    }
    expect(sandbox.count('initiate')).toBe(0);
  });

  it('answers a webhook carrying "\\ud800" and "\\u0000" with 200, never 503, and logs no storage failure', async () => {
    const { payment } = await payments.service.initiate('alice', { amount: 1000, msisdn: '255741000127' });
    const body =
      `{"event":"PAYMENT RECEIVED","data":{"orderReference":"${payment.orderReference}",` +
      '"status":"SUCCESS","customer":"Asha \\ud800","note":"a\\u0000b","\\udfffkey":1}}';
    const result = await payments.service.handleWebhook({
      rawBody: Buffer.from(body),
      headers: { 'content-type': 'application/json' },
    });
    expect(result.status).toBe(200);
    expect(errorLines.filter((line) => /storage/i.test(line))).toEqual([]);

    // an unknown reference with the same characters is stored as an orphan, also without a failure
    const orphan = await payments.service.handleWebhook({
      rawBody: Buffer.from(
        '{"event":"PAYMENT FAILED","data":{"orderReference":"PAY\\ud800\\u0000","status":"FAILED"}}',
      ),
      headers: {},
    });
    expect(orphan).toEqual({ status: 200, message: 'orphan' });
    expect(errorLines).toEqual([]);
  });
});
