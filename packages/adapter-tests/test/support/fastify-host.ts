import { clickpesaPayments } from '@clickpesa-kit/fastify';
import Fastify, { type FastifyRequest } from 'fastify';
import * as host from './host-conventions.js';

type AuthedRequest = FastifyRequest & { user: { id: string } | null };

/** `hostParser: false` means a host that removed Fastify's default parsers; true keeps them (the usual). */
export async function startFastifyHost({
  mount,
  hostParser,
  options,
}: host.HostSetup): Promise<host.RunningHost> {
  const app = Fastify({ logger: false });
  if (!hostParser) app.removeAllContentTypeParsers();
  app.decorateRequest('user', null);
  app.addHook('onRequest', async (request) => {
    (request as AuthedRequest).user = host.principalFor(request.headers.authorization);
  });
  app.setErrorHandler((error, _request, reply) => {
    void reply.code(host.hostErrorStatus(error)).send({ host_error: (error as Error).message });
  });
  app.setNotFoundHandler((_request, reply) => {
    void reply.code(404).send(host.HOST_NOT_FOUND_BODY);
  });

  await app.register(clickpesaPayments, {
    ...options,
    ...(mount === '/' ? {} : { prefix: mount }),
    authenticate: (raw) => {
      const request = raw as AuthedRequest;
      if (request.headers[host.EXPLODE_HEADER]) throw new host.HostAuthError();
      return request.user;
    },
  });

  const prefix = host.prefixOf(mount);
  app.get(`${prefix}/health`, async () => host.hostHealthBody);
  app.get<{ Params: { id: string } }>(`${prefix}/payments/:id/receipt`, async (request) =>
    host.hostReceiptBody(request.params.id),
  );

  const origin = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    origin,
    base: origin + prefix,
    payments: app.payments,
    // onClose closes the kit.
    close: () => app.close(),
  };
}
