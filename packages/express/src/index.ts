import type { IncomingMessage } from 'node:http';
import {
  type ClickPesaPayments,
  type ClickPesaPaymentsOptions,
  createClickPesaPayments,
  type HandlerRequest,
  type HandlerResponse,
} from '@clickpesa-kit/core';
import express, { type Request, type Response, type Router } from 'express';
import getRawBody from 'raw-body';

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
    if (!handler.matches(req.path)) return next();
    readBody(req as HostRequest, handler.bodyLimit)
      .then((body) =>
        handler.handle({
          method: req.method,
          path: req.path,
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

type BodyFields = Pick<HandlerRequest, 'rawBody' | 'body' | 'bodyTooLarge'>;

/**
 * Raw body order (architecture.md "Seams"): the bytes we read ourselves, else the host's raw bytes, else the
 * host's parsed body. A stream a host parser already consumed is never read again: that would hang.
 */
async function readBody(req: HostRequest, limit: number): Promise<BodyFields> {
  const { headers } = req;
  if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) return {};
  if (!req.readableEnded) return readCapped(req, limit);
  if (Buffer.isBuffer(req.rawBody) || typeof req.rawBody === 'string') return { rawBody: req.rawBody };
  return { body: req.body };
}

function send(res: Response, answer: HandlerResponse): void {
  res.status(answer.status).set(answer.headers);
  if (answer.body === undefined) res.end();
  else res.json(answer.body);
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
