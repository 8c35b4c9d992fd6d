// Koa 3, ESM JavaScript, the in-memory store from core.
import { createMemoryStore } from '@clickpesa-kit/core';
import { clickpesaPayments } from '@clickpesa-kit/koa';
import Koa from 'koa';

const payments = clickpesaPayments({
  basePath: '/api/v1',
  store: createMemoryStore(),
  authenticate: (ctx) => (ctx.get('authorization') === 'Bearer alice-token' ? { id: 'alice' } : null),
});

const app = new Koa();
app.use(payments);

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});

process.once('SIGTERM', async () => {
  server.close();
  await payments.payments.close();
});
