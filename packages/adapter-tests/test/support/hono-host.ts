import type { AddressInfo } from 'node:net';
import { clickpesaPayments } from '@clickpesa-kit/fetch';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono } from 'hono';
import * as host from './host-conventions.js';

/**
 * A Hono app served by @hono/node-server: the fetch adapter answers our paths (`matches`), everything else
 * falls through to the host's own routes and 404.
 */
export async function startHonoHost({ mount, options }: host.HostSetup): Promise<host.RunningHost> {
  const app = new Hono();
  app.onError((error, c) => c.json({ host_error: error.message }, host.hostErrorStatus(error) as 418));
  app.notFound((c) => c.json(host.HOST_NOT_FOUND_BODY, 404));

  const payments = clickpesaPayments({
    ...options,
    ...(mount === '/' ? {} : { prefix: mount }),
    authenticate: (request) => {
      if (request.headers.get(host.EXPLODE_HEADER)) throw new host.HostAuthError();
      return host.principalFor(request.headers.get('authorization') ?? undefined);
    },
  });
  app.use('*', async (c, next) =>
    // the socket's address, as Hono's Node server reports it: the per-IP limits count it
    payments.matches(c.req.raw) ? payments(c.req.raw, { clientIp: getConnInfo(c).remote.address }) : next(),
  );

  const prefix = host.prefixOf(mount);
  app.get(`${prefix}/health`, (c) => c.json(host.hostHealthBody));
  app.get(`${prefix}/payments/:id/receipt`, (c) => c.json(host.hostReceiptBody(c.req.param('id'))));

  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    base: origin + prefix,
    payments: payments.payments,
    close: async () => {
      await payments.payments.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
