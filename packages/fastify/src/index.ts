import {
  type ClickPesaPayments,
  type ClickPesaPaymentsOptions,
  createClickPesaPayments,
} from '@clickpesa-kit/core';
import { type HandlerRequest, readBodyStream } from '@clickpesa-kit/core/adapter';
import type { FastifyInstance, FastifyPluginAsync, HTTPMethods } from 'fastify';

/** The core's options (the same object on every framework) plus Fastify's own `prefix`. */
export type ClickPesaFastifyOptions = ClickPesaPaymentsOptions & { prefix?: string };
export type { ClickPesaPayments };

declare module 'fastify' {
  interface FastifyInstance {
    /** The running kit, decorated by `clickpesaPayments` on the instance that registered it. */
    clickpesa: ClickPesaPayments;
  }
}

type BodyFields = Pick<HandlerRequest, 'rawBody' | 'bodyTooLarge'>;

// OPTIONS stays with the host (CORS preflights); HEAD comes with GET.
const METHODS: HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * The routes live in their own encapsulated context: the `prefix` applies to them, and our body parser
 * (raw bytes, whatever the content type) replaces the host's parsers for our paths only.
 */
const routes: FastifyPluginAsync<{ payments: ClickPesaPayments }> = async (scope, { payments }) => {
  const { handler } = payments;
  const prefixLength = scope.prefix.length;

  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', (_request, payload, done) => {
    readBodyStream(payload, handler.bodyLimit).then((body) => done(null, body), done);
  });

  scope.route({
    method: METHODS,
    url: '/*',
    handler: async (request, reply) => {
      // The raw URL, not the decoded wildcard: the core decodes path segments itself.
      const { url } = request;
      const query = url.indexOf('?', prefixLength);
      const path = query === -1 ? url.slice(prefixLength) : url.slice(prefixLength, query);
      if (!handler.matches(path)) return reply.callNotFound();
      const answer = await handler.handle({
        method: request.method,
        path,
        query: request.query as HandlerRequest['query'],
        headers: request.headers,
        ...(request.body as BodyFields | undefined),
        raw: request,
      });
      return reply.code(answer.status).headers(answer.headers).send(answer.body);
    },
  });
};

/**
 * `await app.register(clickpesaPayments, { prefix: '/api/v1', ...options })`.
 *
 * Not wrapped in fastify-plugin: the routes and our webhook body parser are registered in an encapsulated
 * child context. Only the `clickpesa` decoration and the `onClose` hook are added to the registering
 * instance, so the host can reach the kit and `app.close()` stops the poller.
 */
export async function clickpesaPayments(
  fastify: FastifyInstance,
  options: ClickPesaFastifyOptions,
): Promise<void> {
  const { prefix, ...kitOptions } = options;
  const payments = createClickPesaPayments(kitOptions);
  fastify.decorate('clickpesa', payments);
  fastify.addHook('onClose', async () => payments.close());
  await fastify.register(routes, { payments, ...(prefix === undefined ? {} : { prefix }) });
}

// What fastify-plugin sets: run in the registering context (so the decoration is visible to the host);
// `prefix` is then ours to apply, which the encapsulated `routes` context above does.
Object.assign(clickpesaPayments, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@clickpesa-kit/fastify',
});
