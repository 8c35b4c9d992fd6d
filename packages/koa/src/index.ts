import { Readable } from 'node:stream';
import {
  type ClickPesaPayments,
  type ClickPesaPaymentsOptions,
  createClickPesaPayments,
} from '@clickpesa-kit/core';
import {
  attachCloseSignal,
  type HostParsedBody,
  normalisePrefix,
  readRequestBody,
  relativePath,
} from '@clickpesa-kit/core/adapter';
import type { Context, Next } from 'koa';

/** The core's options (the same object on every framework, `authenticate` getting Koa's `Context`) plus where the routes live. */
export type ClickPesaKoaOptions = ClickPesaPaymentsOptions<Context> & {
  /** Mount point, e.g. "/api/v1". Default: the root. */
  prefix?: string;
  /** @deprecated Use `prefix` (the same name on every adapter). */
  basePath?: string;
};
export type { ClickPesaPayments };

/** A Koa middleware carrying the kit, so the host can reach the service and shut it down. */
export type ClickPesaMiddleware = ((ctx: Context, next: Next) => Promise<void>) & {
  readonly payments: ClickPesaPayments;
};

/**
 * The payment routes as one Koa 2/3 middleware: `app.use(clickpesaPayments({ prefix: '/api/v1', ...options }))`.
 * Requests outside our route table go on to `next()`; errors from the host's `authenticate` propagate to
 * the host's error handling.
 */
export function clickpesaPayments(options: ClickPesaKoaOptions): ClickPesaMiddleware {
  const { prefix: mount, basePath, ...kitOptions } = options;
  const payments = createClickPesaPayments(kitOptions);
  const { handler } = payments;
  const prefix = normalisePrefix(mount ?? basePath ?? '');

  const middleware = async (ctx: Context, next: Next): Promise<void> => {
    const path = relativePath(ctx.path, prefix);
    if (path === undefined || !handler.matches(path)) return next();
    // `signal` aborts when the client goes away: a long poll or an event stream then frees what it holds
    const answer = await handler.handle(
      attachCloseSignal(
        {
          method: ctx.method,
          path,
          query: ctx.query,
          headers: ctx.headers,
          // the framework's own answer: Koa applies its `proxy` setting
          ip: ctx.ip,
          // our own read first, else what a host body parser (e.g. `@koa/bodyparser`) left on `ctx.request`
          ...(await readRequestBody(
            ctx.req,
            handler.bodyLimit,
            ctx.request as HostParsedBody,
            handler.bodyReadTimeoutMs,
          )),
          raw: ctx,
        },
        ctx.res,
      ),
    );
    ctx.set(answer.headers);
    // Koa pipes a Readable and destroys it when the client goes away, which ends our iteration
    if (answer.stream) ctx.body = Readable.from(answer.stream);
    else if (answer.body !== undefined) ctx.body = answer.body;
    ctx.status = answer.status;
  };

  return Object.assign(middleware, { payments });
}
