/**
 * The app process of the bench's kill -9 run: the kit on a SQLite file, a `'*'` handler that writes every
 * delivered event id to a ledger table in the same file (one row per delivery, so redeliveries show), and,
 * when PAY > 0, PAY payments each created and cancelled through the service (two events each). It prints
 * "answered N" after each payment and "drained" once the outbox has nothing pending.
 *   node --conditions=@clickpesa-kit/source --import tsx kill-child.ts FILE PAY
 */
import { createClickPesaPayments } from '@clickpesa-kit/core';
import { createSqliteStore } from '@clickpesa-kit/store-sqlite';
import { makePayment } from '@clickpesa-kit/store-tests';
import Database from 'better-sqlite3';

const [filename, payArg] = process.argv.slice(2);
if (!filename) throw new Error('usage: kill-child.ts FILE PAY');
const pay = Number(payArg ?? 0);

const store = createSqliteStore({ filename });
const ledger = new Database(filename);
ledger.pragma('journal_mode = WAL');
ledger.pragma('busy_timeout = 5000');
ledger.exec('CREATE TABLE IF NOT EXISTS bench_deliveries (event_id TEXT NOT NULL)');
const record = ledger.prepare('INSERT INTO bench_deliveries (event_id) VALUES (?)');

const payments = createClickPesaPayments({
  store,
  authenticate: () => ({ id: 'bench' }),
  clickpesa: { clientId: 'bench', apiKey: 'bench', baseUrl: 'http://127.0.0.1:9/third-parties' },
  poller: false,
  retention: false,
  dispatcher: { pollIntervalMs: 50, batchSize: 100, concurrency: 16, retryBaseMs: 50, retryMaxMs: 500 },
  handlers: {
    '*': (event) => {
      record.run(event.eventId);
    },
  },
});

for (let i = 1; i <= pay; i++) {
  const payment = makePayment({ ownerId: 'bench' });
  await store.createPayment({ payment });
  await payments.service.cancel('bench', payment.id);
  process.stdout.write(`answered ${i}\n`);
}
for (;;) {
  const stats = await payments.outbox.stats();
  if (stats.pending === 0) break;
  await new Promise((resolve) => setTimeout(resolve, 50));
}
process.stdout.write('drained\n');
await payments.close();
await store.close();
ledger.close();
