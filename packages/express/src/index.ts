import {
  type ClickPesaPayments,
  type ClickPesaPaymentsOptions,
  createClickPesaPayments,
} from '@clickpesa-kit/core';
import {
  attachCloseSignal,
  type HandlerRequest,
  type HandlerResponse,
  normalisePrefix,
  readRequestBody,
  relativePath,
} from '@clickpesa-kit/core/adapter';
import express, { type Request, type Response, type Router } from 'express';

/**
 * The core's options (the same object on every framework), `authenticate` getting Express's `Request`, plus
 * `prefix`: where the routes live inside the router (default: wherever you `app.use()` it).
 */
export type ClickPesaExpressOptions = ClickPesaPaymentsOptions<Request> & {
  /** Mount point inside the router, e.g. "/api/v1" with `app.use(router)`. Default: the root. */
  prefix?: string;
};
export type { ClickPesaPayments };

/** An `express.Router` carrying the kit, so the host can reach the service and shut it down. */
export type ClickPesaRouter = Router & { readonly payments: ClickPesaPayments };

/** Some hosts keep the bytes their parser read (e.g. a `verify` callback storing `req.rawBody`). */
type HostRequest = Request & { rawBody?: unknown };

/**
 * The payment routes as an Express router: `app.use('/api/v1', clickpesaPayments(options))`.
 * Works mounted anywhere, on Express 4 and 5; every path that is not ours goes on to the host's routes.
 */
export function clickpesaPayments(options: ClickPesaExpressOptions): ClickPesaRouter {
  const { prefix = '', ...kitOptions } = options;
  const payments = createClickPesaPayments(kitOptions);
  const { handler } = payments;
  const mountPoint = normalisePrefix(prefix);
  const router = express.Router();

  router.use((req, res, next) => {
    // `req.path` is relative to wherever the host mounted us; `prefix` is relative to that.
    const path = relativePath(req.path, mountPoint);
    if (path === undefined || !handler.matches(path)) return next();
    readRequestBody(req, handler.bodyLimit, req as HostRequest, handler.bodyReadTimeoutMs)
      .then((body) =>
        // `signal` aborts when the client goes away: a long poll or an event stream then frees what it holds
        handler.handle(
          attachCloseSignal(
            {
              method: req.method,
              path,
              query: req.query as HandlerRequest['query'],
              headers: req.headers,
              // the framework's own answer: Express applies its `trust proxy` setting
              ...(req.ip === undefined ? {} : { ip: req.ip }),
              ...body,
              raw: req,
            },
            res,
          ),
        ),
      )
      // Rejections (a failing `authenticate`, an aborted upload) belong to the host's error handling.
      .then((answer) => send(res, answer), next);
  });

  return Object.assign(router, { payments });
}

function send(res: Response, answer: HandlerResponse): void {
  res.status(answer.status).set(answer.headers);
  if (answer.stream) return void writeStream(res, answer.stream);
  if (answer.body === undefined) res.end();
  else res.json(answer.body);
}

/**
 * The event stream: headers at once, then each chunk as it comes; stops when the client is gone. A chain of
 * `next()` callbacks rather than an async function: thousands of streams wait at once, and a suspended
 * async function holds its generator, registers and context for each.
 */
function writeStream(res: Response, stream: AsyncIterable<string>): void {
  res.flushHeaders();
  const chunks = stream[Symbol.asyncIterator]();
  const write = (next: IteratorResult<string>): void => {
    if (!next.done && !res.destroyed && !res.writableEnded) {
      res.write(next.value);
      void chunks.next().then(write);
      return;
    }
    // what leaving a for-await loop early does: tell the stream we stopped reading
    if (!next.done) void chunks.return?.();
    if (!res.writableEnded) res.end();
  };
  void chunks.next().then(write);
}
