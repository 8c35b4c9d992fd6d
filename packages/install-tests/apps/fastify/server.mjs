// Fastify 5, ESM JavaScript, the in-memory store from core.
import { createMemoryStore } from '@clickpesa-kit/core';
import { clickpesaPayments } from '@clickpesa-kit/fastify';
import Fastify from 'fastify';

const app = Fastify();
await app.register(clickpesaPayments, {
  prefix: '/api/v1',
  store: createMemoryStore(),
  authenticate: (request) =>
    request.headers.authorization === 'Bearer alice-token' ? { id: 'alice' } : null,
});

await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
console.log(`listening ${app.server.address().port}`);

process.once('SIGTERM', () => app.close());
