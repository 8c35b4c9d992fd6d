import type { ClickPesaPayments } from '@clickpesa-kit/core';
import {
  type Answer,
  API_BASE,
  orderEventHandlers,
  type Shop,
  type ShopUser,
  type StartShop,
  serveHttp,
} from '@clickpesa-kit/example-support';
import { clickpesaPayments } from '@clickpesa-kit/express';
import express, { type ErrorRequestHandler, type Response } from 'express';

declare global {
  namespace Express {
    interface Request {
      /** Set by the shop's auth middleware: the caller, or null for an unknown or missing token. */
      user?: ShopUser | null;
    }
  }
}

/** The shop as an Express app: its own middleware and routes, with the payment routes mounted among them. */
export function createShopApp(shop: Shop): { app: express.Express; payments: ClickPesaPayments } {
  const app = express();
  app.disable('x-powered-by');

  // 1. The host's own body parser, before the payment routes: they work from what it parsed.
  app.use(express.json({ limit: '64kb' }));

  // 2. The host's own auth middleware (a bearer token here; a session in a real shop) sets req.user ...
  app.use((req, _res, next) => {
    req.user = shop.users.userFor(req.get('authorization'));
    next();
  });

  // 3. ... and the payment routes' `authenticate` reads it: a payment belongs to whoever created it.
  const router = clickpesaPayments({
    store: shop.store,
    clickpesa: shop.clickpesa,
    logger: shop.logger,
    authenticate: (req) => req.user ?? null,
    // the server sets the price: a payment names its order and is charged the order's amount
    resolveAmount: shop.resolveAmount,
    // payment events drive the shop's orders: delivered from the store, at least once, surviving restarts;
    // the order book applies each event id once
    handlers: orderEventHandlers(shop.orders),
    // GET /api/v1/health/live and /health/ready, without auth: for the load balancer
    health: true,
    budget: shop.budget,
  });
  app.use(API_BASE, router);
  const { payments } = router;
  // 6. Prometheus metrics of the kit (on an internal port or behind auth in a real shop).
  shop.metrics.watch(payments);
  app.get('/metrics', async (_req, res) => {
    const answer = await shop.metrics.answer();
    res.status(answer.status).set(answer.headers).send(answer.body);
  });

  // 4. The shop's own routes.
  app.post('/shop/orders', async (req, res) => send(res, await shop.answers.createOrder(req.user, req.body)));
  app.get('/shop/orders/:id', async (req, res) =>
    send(res, await shop.answers.getOrder(req.user, req.params.id)),
  );

  // 5. The checkout page, its browser client and /config.json.
  app.get([...shop.checkout.paths], (req, res) => {
    const file = shop.checkout.file(req.path);
    if (file) res.set(file.headers).send(file.body);
    else res.sendStatus(404);
  });

  const onError: ErrorRequestHandler = (error, _req, res, _next) => send(res, shop.answers.error(error));
  app.use(onError);

  return { app, payments };
}

/**
 * Listens. Closing stops in order: no new requests (those in flight are answered), then the poller (checks in
 * flight finish, leases are released); the store is closed after that, by whoever opened it.
 */
export const startShop: StartShop = async (shop, address) => {
  const { app, payments } = createShopApp(shop);
  return serveHttp(app, payments, address);
};

function send(res: Response, answer: Answer): void {
  res.status(answer.status).json(answer.body);
}
