import { clickpesaPayments } from '@clickpesa-kit/koa';
import { bodyParser } from '@koa/bodyparser';
import type Koa from 'koa';
import * as host from './host-conventions.js';

/** Koa 2 and Koa 3 hosts are built the same way; only the constructor differs. */
export type KoaConstructor = new () => Koa;

export async function startKoaHost(
  KoaApp: KoaConstructor,
  { mount, hostParser, options }: host.HostSetup,
): Promise<host.RunningHost> {
  const app = new KoaApp();
  app.silent = true;
  // The host's error handling: outermost, as Koa apps usually do it.
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      ctx.status = host.hostErrorStatus(error);
      ctx.body = { host_error: (error as Error).message };
    }
  });
  app.use(async (ctx, next) => {
    ctx.state.user = host.principalFor(ctx.headers.authorization);
    await next();
  });
  if (hostParser) app.use(bodyParser());

  const middleware = clickpesaPayments({
    ...options,
    ...(mount === '/' ? {} : { prefix: mount }),
    authenticate: (ctx) => {
      if (ctx.get(host.EXPLODE_HEADER)) throw new host.HostAuthError();
      return ctx.state.user as { id: string } | null;
    },
  });
  app.use(middleware);

  const prefix = host.prefixOf(mount);
  const receipt = new RegExp(`^${prefix}/payments/([^/]+)/receipt$`);
  app.use(async (ctx) => {
    const id = receipt.exec(ctx.path)?.[1];
    if (ctx.method === 'GET' && ctx.path === `${prefix}/health`) ctx.body = host.hostHealthBody;
    else if (ctx.method === 'GET' && id !== undefined) ctx.body = host.hostReceiptBody(id);
    else {
      ctx.status = 404;
      ctx.body = host.HOST_NOT_FOUND_BODY;
    }
  });

  return host.serveHost(app.callback(), mount, middleware.payments);
}
