import { clickpesaPayments } from '@clickpesa-kit/express';
// Express 4 runs replace this module with `express4` (vi.mock), for the host and the adapter alike.
import express, { type ErrorRequestHandler, type Request } from 'express';
import * as host from './host-conventions.js';

type AuthedRequest = Request & { user?: { id: string } | null };

export async function startExpressHost({
  mount,
  hostParser,
  options,
}: host.HostSetup): Promise<host.RunningHost> {
  const app = express();
  app.use((req, _res, next) => {
    (req as AuthedRequest).user = host.principalFor(req.headers.authorization);
    next();
  });
  if (hostParser) app.use(express.json());

  const router = clickpesaPayments({
    ...options,
    authenticate: (raw) => {
      const req = raw as AuthedRequest;
      if (req.headers[host.EXPLODE_HEADER]) throw new host.HostAuthError();
      return req.user;
    },
  });
  if (mount === '/') app.use(router);
  else app.use(mount, router);

  const prefix = host.prefixOf(mount);
  app.get(`${prefix}/health`, (_req, res) => {
    res.json(host.hostHealthBody);
  });
  app.get(`${prefix}/payments/:id/receipt`, (req, res) => {
    res.json(host.hostReceiptBody(String(req.params.id)));
  });
  app.use((_req, res) => {
    res.status(404).json(host.HOST_NOT_FOUND_BODY);
  });
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    res.status(host.hostErrorStatus(error)).json({ host_error: (error as Error).message });
  };
  app.use(onError);

  return host.serveHost(app, mount, router.payments);
}
