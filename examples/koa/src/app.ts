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
import { clickpesaPayments } from '@clickpesa-kit/koa';
import { bodyParser } from '@koa/bodyparser';
import Koa, { type Context } from 'koa';

/** What the shop's middleware leaves on `ctx.state`. */
export interface ShopState {
  /** The caller, or null for an unknown or missing token. */
  user: ShopUser | null;
}

const ORDER_PATH = /^\/shop\/orders\/([^/]+)$/;

/** The shop as a Koa app: its own middleware, with the payment middleware among them. */
export function createShopApp(shop: Shop): { app: Koa<ShopState>; payments: ClickPesaPayments } {
  const app = new Koa<ShopState>();

  // 0. The host's error handling, outermost: body parser errors and failures anywhere below end up here.
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      send(ctx, shop.answers.error(error));
    }
  });

  // 1. The host's own body parser, before the payment routes: they work from what it parsed.
  app.use(bodyParser({ jsonLimit: '64kb' }));

  // 2. The host's own auth middleware (a bearer token here; a session in a real shop) sets ctx.state.user ...
  app.use(async (ctx, next) => {
    ctx.state.user = shop.users.userFor(ctx.get('authorization') || undefined);
    await next();
  });

  // 3. ... and the payment routes' `authenticate` reads it: a payment belongs to whoever created it.
  const middleware = clickpesaPayments({
    prefix: API_BASE,
    store: shop.store,
    clickpesa: shop.clickpesa,
    logger: shop.logger,
    authenticate: (ctx) => ctx.state.user ?? null,
    // the server sets the price: a payment names its order and is charged the order's amount
    resolveAmount: shop.resolveAmount,
    // payment events drive the shop's orders: delivered from the store, at least once, surviving restarts;
    // the order book applies each event id once
    handlers: orderEventHandlers(shop.orders),
    // GET /api/v1/health/live and /health/ready, without auth: for the load balancer
    health: true,
    budget: shop.budget,
  });
  app.use(middleware);
  const { payments } = middleware;
  // 6. Prometheus metrics of the kit (on an internal port or behind auth in a real shop).
  shop.metrics.watch(payments);
  app.use(async (ctx, next) => {
    if (ctx.method !== 'GET' || ctx.path !== '/metrics') return next();
    const answer = await shop.metrics.answer();
    ctx.status = answer.status;
    ctx.set(answer.headers);
    ctx.body = answer.body;
  });

  // 4. The shop's own routes, and 5. the checkout page, its browser client and /config.json.
  app.use(async (ctx, next) => {
    const { user } = ctx.state;
    const orderId = ORDER_PATH.exec(ctx.path)?.[1];
    const file = ctx.method === 'GET' || ctx.method === 'HEAD' ? shop.checkout.file(ctx.path) : undefined;
    if (ctx.method === 'POST' && ctx.path === '/shop/orders') {
      send(ctx, await shop.answers.createOrder(user, ctx.request.body));
    } else if (ctx.method === 'GET' && orderId) {
      send(ctx, await shop.answers.getOrder(user, orderId));
    } else if (file) {
      ctx.set(file.headers);
      ctx.body = file.body;
    } else {
      await next();
    }
  });

  return { app, payments };
}

/**
 * Listens. Closing stops in order: no new requests (those in flight are answered), then the poller (checks in
 * flight finish, leases are released); the store is closed after that, by whoever opened it.
 */
export const startShop: StartShop = async (shop, address) => {
  const { app, payments } = createShopApp(shop);
  return serveHttp(app.callback(), payments, address);
};

function send(ctx: Context, answer: Answer): void {
  ctx.status = answer.status;
  ctx.body = answer.body;
}
