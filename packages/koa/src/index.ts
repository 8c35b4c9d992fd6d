import {
  type ClickPesaPayments,
  type ClickPesaPaymentsOptions,
  createClickPesaPayments,
} from '@clickpesa-kit/core';
import { type HostParsedBody, readRequestBody } from '@clickpesa-kit/core/adapter';
import type { Context, Next } from 'koa';

/** The core's options (the same object on every framework) plus where the routes live. */
export type ClickPesaKoaOptions = ClickPesaPaymentsOptions & {
  /** Mount point, e.g. "/api/v1". Default: the root. */
  basePath?: string;
};
export type { ClickPesaPayments };

/** A Koa middleware carrying the kit, so the host can reach the service and shut it down. */
export type ClickPesaMiddleware = ((ctx: Context, next: Next) => Promise<void>) & {
  readonly payments: ClickPesaPayments;
};

/**
 * The payment routes as one Koa 2/3 middleware: `app.use(clickpesaPayments({ basePath: '/api/v1', ...options }))`.
 * Requests outside our route table go on to `next()`; errors from the host's `authenticate` propagate to
 * the host's error handling.
 */
export function clickpesaPayments(options: ClickPesaKoaOptions): ClickPesaMiddleware {
  const { basePath = '', ...kitOptions } = options;
  const payments = createClickPesaPayments(kitOptions);
  const { handler } = payments;
  const prefix = basePath.replace(/\/+$/, '');

  const middleware = async (ctx: Context, next: Next): Promise<void> => {
    const path = relativePath(ctx.path, prefix);
    if (path === undefined || !handler.matches(path)) return next();
    const answer = await handler.handle({
      method: ctx.method,
      path,
      query: ctx.query,
      headers: ctx.headers,
      // our own read first, else what a host body parser (e.g. `@koa/bodyparser`) left on `ctx.request`
      ...(await readRequestBody(ctx.req, handler.bodyLimit, ctx.request as HostParsedBody)),
      raw: ctx,
    });
    ctx.set(answer.headers);
    if (answer.body !== undefined) ctx.body = answer.body;
    ctx.status = answer.status;
  };

  return Object.assign(middleware, { payments });
}

/** "/api/v1/payments" under "/api/v1" → "/payments"; undefined when the path is outside the mount point. */
function relativePath(path: string, prefix: string): string | undefined {
  if (prefix === '') return path;
  if (path === prefix) return '/';
  return path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : undefined;
}
