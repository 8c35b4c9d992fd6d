import {
  type ClickPesaPayments,
  type ClickPesaPaymentsOptions,
  createClickPesaPayments,
} from '@clickpesa-kit/core';
import {
  type HandlerRequest,
  type HandlerResponse,
  normalisePrefix,
  relativePath,
} from '@clickpesa-kit/core/adapter';

/** The core's options (the same object on every framework, `authenticate` getting the fetch `Request`) plus where the routes live. */
export type ClickPesaFetchOptions = ClickPesaPaymentsOptions<Request> & {
  /** Mount point, e.g. "/api/v1". Default: the root. */
  prefix?: string;
};
export type { ClickPesaPayments };

/** What the runtime knows about a request beyond the `Request` itself. */
export interface FetchRequestContext {
  /**
   * The client's IP address as your runtime or framework determined it (e.g. Hono's
   * `getConnInfo(c).remote.address`, Bun's `server.requestIP(request)`), for the per-IP rate limits. Without
   * it those limits do not apply. Never take it from `X-Forwarded-For` unless your own proxy set it.
   */
  clientIp?: string;
}

/** A Web-standard handler carrying the kit, so the host can reach the service and shut it down. */
export type ClickPesaFetchHandler = ((
  request: Request,
  context?: FetchRequestContext,
) => Promise<Response>) & {
  readonly payments: ClickPesaPayments;
  /** True when the request's path is one of ours (whatever the method): lets a host fall through to its own routes. */
  matches(request: Request): boolean;
};

/**
 * The payment routes as `(request: Request) => Promise<Response>`, for fetch runtimes: Hono
 * (`app.all('/api/v1/*', (c) => handler(c.req.raw))`), Next.js route handlers, Bun and Deno. A path outside
 * our routes gets the core's 404 envelope; an error thrown by `authenticate` rejects, for the host's own
 * error handling.
 */
export function clickpesaPayments(options: ClickPesaFetchOptions): ClickPesaFetchHandler {
  const { prefix = '', ...kitOptions } = options;
  const payments = createClickPesaPayments(kitOptions);
  const { handler } = payments;
  const mountPoint = normalisePrefix(prefix);
  const pathOf = (request: Request) => relativePath(new URL(request.url).pathname, mountPoint);

  const fetchHandler = async (request: Request, context: FetchRequestContext = {}): Promise<Response> => {
    const url = new URL(request.url);
    const answer = await handler.handle({
      method: request.method,
      // outside the mount point: a path that matches no route, so the core answers 404
      path: relativePath(url.pathname, mountPoint) ?? '',
      query: queryOf(url.searchParams),
      headers: headersOf(request.headers),
      ...(typeof context.clientIp === 'string' && context.clientIp !== '' ? { ip: context.clientIp } : {}),
      ...(await readBody(request, handler.bodyLimit)),
      raw: request,
      signal: request.signal,
    });
    return toResponse(answer);
  };

  return Object.assign(fetchHandler, {
    payments,
    matches: (request: Request) => {
      const path = pathOf(request);
      return path !== undefined && handler.matches(path);
    },
  });
}

function queryOf(params: URLSearchParams): HandlerRequest['query'] {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of params) {
    const earlier = query[key];
    query[key] = earlier === undefined ? value : [earlier, value].flat();
  }
  return query;
}

function headersOf(headers: Headers): HandlerRequest['headers'] {
  const record: Record<string, string> = {};
  headers.forEach((value, name) => {
    record[name] = value;
  });
  return record;
}

/** The body bytes up to `limit`; past it reading stops and `bodyTooLarge` tells the core to answer 413. */
async function readBody(
  request: Request,
  limit: number,
): Promise<Pick<HandlerRequest, 'rawBody' | 'bodyTooLarge'>> {
  if (request.body === null) return {};
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await request.body.cancel().catch(() => undefined);
    return { bodyTooLarge: true };
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return { bodyTooLarge: true };
    }
    chunks.push(value);
  }
  return size === 0 ? {} : { rawBody: Buffer.concat(chunks) };
}

function toResponse(answer: HandlerResponse): Response {
  if (answer.stream) {
    return new Response(toByteStream(answer.stream), { status: answer.status, headers: answer.headers });
  }
  const body = answer.body === undefined ? null : JSON.stringify(answer.body);
  return new Response(body, { status: answer.status, headers: answer.headers });
}

/** The event stream as bytes; a cancel (the client went away) ends our iteration. */
function toByteStream(chunks: AsyncIterable<string>): ReadableStream<Uint8Array> {
  const iterator = chunks[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(encoder.encode(value));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}
