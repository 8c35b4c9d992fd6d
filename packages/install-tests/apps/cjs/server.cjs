// A CommonJS app on Koa 2: every package is loaded with require(), so their CommonJS builds are what runs.
const Koa = require('koa');
const { createMemoryStore } = require('@clickpesa-kit/core');
const { clickpesaPayments } = require('@clickpesa-kit/koa');

const store = createMemoryStore();
const payments = clickpesaPayments({
  basePath: '/api/v1',
  store,
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
  await store.close();
});
