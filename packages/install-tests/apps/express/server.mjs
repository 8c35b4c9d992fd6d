// Express (installed as 4 and as 5), ESM JavaScript, the in-memory store from core.
import { createMemoryStore } from '@clickpesa-kit/core';
import { clickpesaPayments } from '@clickpesa-kit/express';
import express from 'express';

const store = createMemoryStore();
const paymentRoutes = clickpesaPayments({
  store,
  authenticate: (req) => (req.get('authorization') === 'Bearer alice-token' ? { id: 'alice' } : null),
});

const app = express();
app.use(express.json());
app.use('/api/v1', paymentRoutes);

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});

process.once('SIGTERM', async () => {
  server.close();
  await paymentRoutes.payments.close();
});
