import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { attachCloseSignal, type HandlerResponse, type PaymentsHandler } from '@clickpesa-kit/core/adapter';
import { listenOnPushRoute, type PushPage } from '../push/page-listener.js';

/** Every page sends this bearer token; the host's `authenticate` maps it to the bench's one owner. */
const PAGE_TOKEN = 'bench-page-token';

/** The host's authentication hook: a bearer token in, its owner out (null, i.e. 401, for any other). */
export function bearerOwner(ownerId: string) {
  return (raw: unknown): { id: string } | null => {
    const header = (raw as IncomingMessage).headers?.authorization;
    return header === `Bearer ${PAGE_TOKEN}` ? { id: ownerId } : null;
  };
}

/** The kit's routes over real HTTP, and the pages listening on its push route. */
export interface PushHost {
  /** Opens `GET /payments/:id/events` for one page; the final event is stamped with `now()`. */
  listen(paymentId: string, now: () => number): PushPage;
  /** Drops every page still listening and stops the server (the process can then end by itself). */
  close(): Promise<void>;
  /** True once `close()` ran: a dropped page does not go on polling then. */
  readonly closed: boolean;
}

/**
 * A minimal node:http adapter for the kit's handler (read-only routes: pages only GET), on 127.0.0.1. Each
 * request gets the close signal the real adapters give, so a page that leaves frees its stream at once.
 */
export async function servePushHost(handler: PaymentsHandler): Promise<PushHost> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || !handler.matches(url.pathname)) return void res.writeHead(404).end();
    const request = attachCloseSignal(
      {
        method: 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        raw: req,
      },
      res,
    );
    handler.handle(request).then(
      (answer) => send(res, answer),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const pages = new Set<PushPage>();
  let closed = false;
  return {
    get closed() {
      return closed;
    },
    listen(paymentId, now) {
      const page = listenOnPushRoute({ baseUrl, paymentId, token: PAGE_TOKEN, now });
      pages.add(page);
      const forget = () => pages.delete(page);
      page.final.then(forget, forget);
      return page;
    },
    close() {
      closed = true;
      for (const page of pages) page.close();
      pages.clear();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function send(res: ServerResponse, answer: HandlerResponse): Promise<void> {
  res.writeHead(answer.status, answer.headers);
  if (!answer.stream)
    return void res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
  for await (const chunk of answer.stream) {
    if (res.destroyed || res.writableEnded) break;
    res.write(chunk);
  }
  if (!res.writableEnded) res.end();
}
