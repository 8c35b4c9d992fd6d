import type { IncomingMessage } from 'node:http';
import {
  type ClickPesaPayments,
  type ClickPesaPaymentsOptions,
  createClickPesaPayments,
  type HandlerRequest,
} from '@clickpesa-kit/core';
import type { Context, Next } from 'koa';
import getRawBody from 'raw-body';

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

/** What a host body parser (e.g. `@koa/bodyparser`) may have left on `ctx.request`. */
type ParsedRequest = { body?: unknown; rawBody?: unknown };

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
      ...(await readBody(ctx, handler.bodyLimit)),
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

type BodyFields = Pick<HandlerRequest, 'rawBody' | 'body' | 'bodyTooLarge'>;

/**
 * Raw body order (architecture.md "Seams"): the bytes we read ourselves, else the host's raw bytes, else the
 * host's parsed body. A stream a host parser already consumed is never read again: that would hang.
 */
async function readBody(ctx: Context, limit: number): Promise<BodyFields> {
  const { req } = ctx;
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined)
    return {};
  if (!req.readableEnded) return readCapped(req, limit);
  const host = ctx.request as ParsedRequest;
  if (Buffer.isBuffer(host.rawBody) || typeof host.rawBody === 'string') return { rawBody: host.rawBody };
  return { body: host.body };
}

/** At most `limit` bytes; past it, the rest is drained in the background so the connection stays usable. */
async function readCapped(stream: IncomingMessage, limit: number): Promise<BodyFields> {
  try {
    return { rawBody: await getRawBody(stream, { limit }) };
  } catch (error) {
    if ((error as getRawBody.RawBodyError).type !== 'entity.too.large') throw error;
    stream.resume();
    return { bodyTooLarge: true };
  }
}
