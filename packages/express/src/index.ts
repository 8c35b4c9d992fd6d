import {
  type ClickPesaPayments,
  type ClickPesaPaymentsOptions,
  createClickPesaPayments,
} from '@clickpesa-kit/core';
import { type HandlerRequest, type HandlerResponse, readRequestBody } from '@clickpesa-kit/core/adapter';
import express, { type Request, type Response, type Router } from 'express';

/** The core's options: the same object on every framework (product.md §1). */
export type ClickPesaExpressOptions = ClickPesaPaymentsOptions;
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
  const payments = createClickPesaPayments(options);
  const { handler } = payments;
  const router = express.Router();

  router.use((req, res, next) => {
    // `req.path` is relative to wherever the host mounted us.
    const { path } = req;
    if (!handler.matches(path)) return next();
    readRequestBody(req, handler.bodyLimit, req as HostRequest)
      .then((body) =>
        handler.handle({
          method: req.method,
          path,
          query: req.query as HandlerRequest['query'],
          headers: req.headers,
          ...body,
          raw: req,
        }),
      )
      // Rejections (a failing `authenticate`, an aborted upload) belong to the host's error handling.
      .then((answer) => send(res, answer), next);
  });

  return Object.assign(router, { payments });
}

function send(res: Response, answer: HandlerResponse): void {
  res.status(answer.status).set(answer.headers);
  if (answer.body === undefined) res.end();
  else res.json(answer.body);
}
