import { Readable } from 'node:stream';
import {
  ClickPesaKitError,
  type ClickPesaPayments,
  type ClickPesaPaymentsOptions,
  createClickPesaPayments,
} from '@clickpesa-kit/core';
import {
  attachCloseSignal,
  describeRoutes,
  type HandlerRequest,
  type RouteDescription,
  readBodyStream,
} from '@clickpesa-kit/core/adapter';
import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  FastifySchema,
  HTTPMethods,
} from 'fastify';

/** The core's options (the same object on every framework, `authenticate` getting a `FastifyRequest`) plus Fastify's own `prefix`. */
export type ClickPesaFastifyOptions = ClickPesaPaymentsOptions<FastifyRequest> & { prefix?: string };
export type { ClickPesaPayments };

declare module 'fastify' {
  interface FastifyInstance {
    /** The running kit, decorated by `clickpesaPayments` on the instance that registered it. */
    payments: ClickPesaPayments;
    /** @deprecated Use `payments` (the same name on every adapter). */
    clickpesa: ClickPesaPayments;
  }
}

type BodyFields = Pick<HandlerRequest, 'rawBody' | 'bodyTooLarge'>;

// OPTIONS stays with the host (CORS preflights); HEAD comes with GET.
const METHODS: readonly HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** Routes that exist for 405s and trailing slashes only: left out of generated API docs. */
const HIDDEN = { hide: true } as FastifySchema;

/**
 * The routes live in their own encapsulated context: the `prefix` applies to them, and our body parser
 * (raw bytes, whatever the content type) replaces the host's parsers for our paths only. Each route is
 * registered explicitly (no wildcard), so it never clashes with the host's own routes and tools such as
 * `@fastify/swagger` list it with its schema.
 */
const routes: FastifyPluginAsync<{ payments: ClickPesaPayments; secretPath: boolean }> = async (
  scope,
  { payments, secretPath },
) => {
  const { handler } = payments;
  const prefixLength = scope.prefix.length;

  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', (_request, payload, done) => {
    readBodyStream(payload, handler.bodyLimit, handler.bodyReadTimeoutMs).then(
      (body) => done(null, body),
      done,
    );
  });
  // The schemas document the routes; the core validates requests and writes the envelope itself.
  scope.setValidatorCompiler(() => () => true);
  scope.setSerializerCompiler(() => (data) => JSON.stringify(data));

  const answer = async (request: FastifyRequest, reply: FastifyReply) => {
    // The raw URL, not Fastify's decoded params: the core decodes path segments itself.
    const { url } = request;
    const query = url.indexOf('?', prefixLength);
    const path = query === -1 ? url.slice(prefixLength) : url.slice(prefixLength, query);
    // `signal` aborts when the client goes away: a long poll or an event stream then frees what it holds
    const response = await handler.handle(
      attachCloseSignal(
        {
          method: request.method,
          path,
          query: request.query as HandlerRequest['query'],
          headers: request.headers,
          // the framework's own answer: Fastify applies its `trustProxy` setting
          ip: request.ip,
          ...(request.body as BodyFields | undefined),
          raw: request,
        },
        reply.raw,
      ),
    );
    reply.code(response.status).headers(response.headers);
    // Fastify pipes a Readable and destroys it when the client goes away, which ends our iteration
    return reply.send(response.stream ? Readable.from(response.stream) : response.body);
  };

  // only the routes this kit serves (the health probes exist with the `health` option only)
  const served = describeRoutes().filter((route) => handler.matches(route.url));
  for (const [url, routesOfPath] of groupByPath(served)) {
    for (const { method, schema } of routesOfPath) scope.route({ method, url, schema, handler: answer });
    // the other methods (the core answers 405 with Allow), and the same path with one trailing slash
    const others = METHODS.filter((method) => !routesOfPath.some((route) => route.method === method));
    scope.route({ method: others, url, schema: HIDDEN, handler: answer });
    scope.route({ method: [...METHODS], url: `${url}/`, schema: HIDDEN, handler: answer });
  }
  // the webhook under its secret path segment (`webhookPathSecret`); the core answers 404 for a wrong one
  if (secretPath)
    scope.route({ method: [...METHODS], url: '/callback/:secret', schema: HIDDEN, handler: answer });
};

function groupByPath(described: readonly RouteDescription[]): Map<string, RouteDescription[]> {
  const byPath = new Map<string, RouteDescription[]>();
  for (const route of described) byPath.set(route.url, [...(byPath.get(route.url) ?? []), route]);
  return byPath;
}

/**
 * `await app.register(clickpesaPayments, { prefix: '/api/v1', ...options })`.
 *
 * Not wrapped in fastify-plugin: the routes and our webhook body parser are registered in an encapsulated
 * child context. Only the `payments` decoration (and its deprecated alias `clickpesa`) and the `onClose` hook are added to the registering
 * instance, so the host can reach the kit and `app.close()` stops the poller.
 */
export async function clickpesaPayments(
  fastify: FastifyInstance,
  options: ClickPesaFastifyOptions,
): Promise<void> {
  if (fastify.hasDecorator('payments')) {
    throw new ClickPesaKitError('CONFIG_INVALID', {
      message:
        'clickpesaPayments is already registered on this Fastify instance (or `payments` is taken): register it once',
    });
  }
  const { prefix, ...kitOptions } = options;
  const payments = createClickPesaPayments(kitOptions);
  fastify.decorate('payments', payments);
  fastify.decorate('clickpesa', payments);
  // Open event streams and long polls end in preClose (close() ends them at once), before Fastify waits for
  // its connections; the rest of the shutdown (poller, dispatcher) is awaited in onClose, so Fastify closes
  // its idle connections right away as it always did, not after the poller has stopped.
  let closing: Promise<void> | undefined;
  fastify.addHook('preClose', async () => {
    closing = payments.close();
  });
  fastify.addHook('onClose', async () => {
    await (closing ?? payments.close());
  });
  const secretPath = kitOptions.webhookPathSecret !== undefined;
  await fastify.register(routes, { payments, secretPath, ...(prefix === undefined ? {} : { prefix }) });
}

// What fastify-plugin sets: run in the registering context (so the decoration is visible to the host);
// `prefix` is then ours to apply, which the encapsulated `routes` context above does.
Object.assign(clickpesaPayments, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@clickpesa-kit/fastify',
});
