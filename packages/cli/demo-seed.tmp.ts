// one-off: seeds a SQLite file through the kit and a running sandbox, for docs/ops-cli.md's captured output

import { writeFileSync } from 'node:fs';
import { createClickPesaPayments, generateOrderReference } from '@clickpesa-kit/core';
import { startSandbox } from '@clickpesa-kit/sandbox';
import { createSqliteStore } from '@clickpesa-kit/store-sqlite';
import { makePayment } from '@clickpesa-kit/store-tests';

const file = process.argv[2]!;
const sandbox = await startSandbox({
  port: 4790,
  approveDelayMs: 600_000,
  clientId: 'demo-client',
  apiKey: 'demo-api-key',
});
const store = createSqliteStore({ filename: file });
const kit = createClickPesaPayments({
  store,
  authenticate: () => null,
  clickpesa: { baseUrl: sandbox.url, clientId: 'demo-client', apiKey: 'demo-api-key', env: {} },
  poller: false,
  dispatcher: false,
  retention: false,
  rateLimits: false,
  statusRefreshMs: 0,
});
let n = 0;
const push = async (d: number, amount = 5000) =>
  (
    await kit.service.initiate('shop-17', {
      amount,
      currency: 'TZS',
      msisdn: `2557${String(10_040_000 + ++n * 10 + d).slice(-8)}`,
      customer_name: 'Asha M.',
    })
  ).payment;
const longAgo = new Date(Date.now() - 34 * 60_000);
await store.createPayment({
  payment: makePayment({
    ownerId: 'shop-17',
    status: 'processing',
    amount: '12000.00',
    createdAt: longAgo,
    updatedAt: longAgo,
    attemptStartedAt: longAgo,
    pollCount: 41,
    nextPollAt: new Date(Date.now() + 90_000),
  }),
});
const paid = await push(0, 25000);
sandbox.approve(paid.orderReference);
await kit.service.refreshStatus('shop-17', paid.id);
const open = await push(7, 8000);
sandbox.setStatus(open.orderReference, 'SUCCESS');
await push(7, 3000);
sandbox.seedPayment({ orderReference: generateOrderReference(), amount: '15000', status: 'SUCCESS' });
const diff = generateOrderReference();
await store.createPayment({
  payment: makePayment({
    ownerId: 'shop-17',
    orderReference: diff,
    orderReferences: [diff],
    status: 'success',
    amount: '7000.00',
  }),
});
sandbox.seedPayment({ orderReference: diff, amount: '7500', status: 'SUCCESS' });
const [c] = await store.claimEventDeliveries({
  consumer: 'handlers',
  now: new Date(Date.now() + 1000),
  limit: 1,
  leaseMs: 30000,
  owner: 'demo',
});
await store.failEventDelivery({
  consumer: 'handlers',
  eventId: c!.event.id,
  leaseToken: c!.leaseToken,
  now: new Date(),
  error: 'orders service answered 503 Service Unavailable',
  retryAt: null,
});
writeFileSync(
  `${file}.ids`,
  JSON.stringify({ paid: paid.id, paidRef: paid.orderReference, event: c!.event.id, url: sandbox.url }),
);
await kit.close();
console.log('seeded; sandbox up at', sandbox.url);
await new Promise(() => {});
