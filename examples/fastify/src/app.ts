import type { AddressInfo } from 'node:net';
import type { ClickPesaPayments } from '@clickpesa-kit/core';
import {
  type Answer,
  API_BASE,
  orderEventHandlers,
  type Shop,
  type ShopUser,
  type StartShop,
  serverUrl,
} from '@clickpesa-kit/example-support';
import { clickpesaPayments } from '@clickpesa-kit/fastify';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the shop's auth hook: the caller, or null for an unknown or missing token. */
    user: ShopUser | null;
  }
}

/** The shop as a Fastify app: its own hooks and routes, with the payment plugin registered among them. */
export async function createShopApp(
  shop: Shop,
): Promise<{ app: FastifyInstance; payments: ClickPesaPayments }> {
  // 1. The host's own body parser is Fastify's JSON parser (64 KiB here): it serves the shop's routes. The
  //    payment plugin parses its own bodies inside its encapsulated scope, where it needs the raw bytes.
  const app = Fastify({ bodyLimit: 64 * 1024 });

  // 2. The host's own auth hook (a bearer token here; a session in a real shop) sets request.user ...
  app.decorateRequest('user', null);
  app.addHook('onRequest', async (request) => {
    request.user = shop.users.userFor(request.headers.authorization);
  });

  // 3. ... and the payment routes' `authenticate` reads it: a payment belongs to whoever created it.
  //    The plugin's onClose hook stops the poller when the app closes.
  await app.register(clickpesaPayments, {
    prefix: API_BASE,
    store: shop.store,
    clickpesa: shop.clickpesa,
    logger: shop.logger,
    authenticate: (request) => request.user,
    // the server sets the price: a payment names its order and is charged the order's amount
    resolveAmount: shop.resolveAmount,
    // payment events drive the shop's orders: delivered from the store, at least once, surviving restarts;
    // the order book applies each event id once
    handlers: orderEventHandlers(shop.orders),
    // GET /api/v1/health/live and /health/ready, without auth: for the load balancer
    health: true,
    budget: shop.budget,
  });
  const payments = app.payments;
  // 6. Prometheus metrics of the kit (on an internal port or behind auth in a real shop).
  shop.metrics.watch(payments);
  app.get('/metrics', async (_request, reply) => {
    const answer = await shop.metrics.answer();
    return reply.code(answer.status).headers(answer.headers).send(answer.body);
  });

  // 4. The shop's own routes.
  app.post('/shop/orders', async (request, reply) =>
    send(reply, await shop.answers.createOrder(request.user, request.body)),
  );
  app.get<{ Params: { id: string } }>('/shop/orders/:id', async (request, reply) =>
    send(reply, await shop.answers.getOrder(request.user, request.params.id)),
  );

  // 5. The checkout page, its browser client and /config.json.
  for (const path of shop.checkout.paths) {
    app.get(path, async (_request, reply) => {
      const file = shop.checkout.file(path);
      return file ? reply.headers(file.headers).send(file.body) : reply.callNotFound();
    });
  }

  app.setErrorHandler((error, _request, reply) => send(reply, shop.answers.error(error)));

  return { app, payments };
}

/** Listens; `app.close()` stops in order: no new requests, then the poller (the store is closed after). */
export const startShop: StartShop = async (shop, address) => {
  const { app, payments } = await createShopApp(shop);
  try {
    await app.listen({ port: address.port, host: address.host });
  } catch (error) {
    await app.close();
    throw error;
  }
  return {
    url: serverUrl(app.server.address() as AddressInfo),
    payments,
    close: () => app.close(),
  };
};

function send(reply: FastifyReply, answer: Answer): FastifyReply {
  return reply.code(answer.status).send(answer.body);
}
