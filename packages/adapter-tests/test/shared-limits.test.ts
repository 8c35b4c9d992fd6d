import { expect, it } from 'vitest';
import { realStores } from './support/stores.js';
import {
  answerOf,
  clickpesaOf,
  describeHosts,
  nextMsisdn,
  useHost,
  useHosts,
  useSandbox,
} from './support/suite-kit.js';
import { expressVariants } from './support/variants.js';

// Express without a body parser is enough here: what is shared is the database, not the framework.
const express = expressVariants('express 5').filter((variant) => !variant.hostParser);

describeHosts(
  'push limits shared by two instances over one database',
  express,
  realStores,
  (variant, kind) => {
    const sandbox = useSandbox({ approveDelayMs: 60_000 });
    const hosts = useHosts(
      variant,
      kind,
      () => ({
        mount: '/',
        options: {
          clickpesa: clickpesaOf(sandbox()),
          poller: false,
          budget: false,
          exclusivePushPerMsisdn: false,
        },
      }),
      2,
    );

    it('lets 3 prompts to one phone through in total, whichever instance takes the request', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) {
        const host = hosts()[i % 2]!;
        const answer = await fetch(`${host.base}/payments`, {
          method: 'POST',
          headers: { authorization: 'Bearer alice-token', 'content-type': 'application/json' },
          body: JSON.stringify({
            amount: 1500,
            currency: 'TZS',
            msisdn: '255759000057',
            customer_name: 'Asha',
          }),
        });
        statuses.push(answer.status);
        await answer.arrayBuffer();
      }
      expect(statuses.filter((status) => status === 201)).toHaveLength(3);
      expect(statuses.filter((status) => status === 429)).toHaveLength(7);
      expect(sandbox().requests.filter((entry) => entry.endpoint === 'initiate')).toHaveLength(3);
    });
  },
);

describeHosts('one order shared by two instances over one database', express, realStores, (variant, kind) => {
  const sandbox = useSandbox({ approveDelayMs: 60_000 });
  const hosts = useHosts(
    variant,
    kind,
    () => ({
      mount: '/',
      // the push limits are counted above; here one user races many pushes
      options: { clickpesa: clickpesaOf(sandbox()), poller: false, budget: false, rateLimits: false },
    }),
    2,
  );

  it('races 40 POSTs for one order over both instances: one payment, one push, 39 × 409 naming it', async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, async (_, i) =>
        answerOf(
          await fetch(`${hosts()[i % 2]!.base}/payments`, {
            method: 'POST',
            headers: { authorization: 'Bearer alice-token', 'content-type': 'application/json' },
            body: JSON.stringify({ amount: 1500, msisdn: nextMsisdn('25578'), external_order_id: 'A-17' }),
          }),
        ),
      ),
    );
    const created = answers.filter((answer) => answer.status === 201);
    expect(created).toHaveLength(1);
    const busy = answers.filter((answer) => answer.status === 409);
    expect(busy).toHaveLength(39);
    expect(new Set(busy.map((answer) => answer.body.error.code))).toEqual(
      new Set(['ORDER_HAS_ACTIVE_PAYMENT']),
    );
    expect(new Set(busy.map((answer) => answer.body.data.id))).toEqual(new Set([created[0]!.body.data.id]));
    expect(sandbox().count('initiate')).toBe(1);
  });
});

describeHosts('forged webhooks without a checksum key', express, realStores, (variant, kind) => {
  const sandbox = useSandbox({ approveDelayMs: 60_000 });
  const host = useHost(variant, kind, () => ({
    mount: '/',
    options: {
      // no checksum key: every webhook is unverified (allowed, with a warning, in live mode)
      clickpesa: clickpesaOf(sandbox()),
      poller: false,
      budget: false,
      webhookRateLimit: false,
    },
  }));

  it('keeps 2,000 distinct forged bodies for one payment to a few summary receipts and audit rows', async () => {
    const store = host().payments.store;
    const created = await fetch(`${host().base}/payments`, {
      method: 'POST',
      headers: { authorization: 'Bearer alice-token', 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 1500, currency: 'TZS', msisdn: '255759000067', customer_name: 'Asha' }),
    });
    expect(created.status).toBe(201);
    const { data } = (await created.json()) as { data: { id: string; reference: string } };
    const queriesBefore = sandbox().requests.filter((entry) => entry.endpoint === 'query').length;
    const auditBefore = (await store.listAudit(data.id)).length;

    const statuses = ['SUCCESS', 'FAILED', 'SETTLED', 'REVERSED', 'PROCESSING', 'MADE-UP'];
    const started = Date.now();
    for (let batch = 0; batch < 40; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) => {
          const n = batch * 50 + i;
          const body = {
            event: `FORGED ${n}`,
            data: {
              orderReference: data.reference,
              status: statuses[n % statuses.length],
              filler: 'x'.repeat(500) + n,
            },
          };
          return fetch(`${host().base}/callback`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
        }),
      );
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        await answer.arrayBuffer();
      }
    }
    const elapsedMs = Date.now() - started;

    const receipts = await store.listWebhookReceipts({ orderReference: data.reference });
    expect(receipts.length).toBeGreaterThan(0);
    expect(receipts.length).toBeLessThanOrEqual(statuses.length);
    expect(receipts.every((receipt) => !JSON.stringify(receipt.payload).includes('filler'))).toBe(true);
    const audit = (await store.listAudit(data.id)).slice(auditBefore);
    expect(audit.filter((entry) => entry.kind === 'webhook').length).toBeLessThanOrEqual(statuses.length);
    // confirming queries: one per status class, then at most one per statusRefreshMs (2 s)
    const queries = sandbox().requests.filter((entry) => entry.endpoint === 'query').length - queriesBefore;
    expect(queries).toBeLessThanOrEqual(statuses.length + Math.ceil(elapsedMs / 2_000) + 1);
    // forgeries for unknown references are not stored at all
    const orphan = await fetch(`${host().base}/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'X', data: { orderReference: 'INVENTED0001', status: 'SUCCESS' } }),
    });
    expect(orphan.status).toBe(200);
    expect(await store.listWebhookReceipts({ orderReference: 'INVENTED0001' })).toHaveLength(0);
  });
});
