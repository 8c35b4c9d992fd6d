import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { BodyTooLargeError, parseJsonBody, readBody } from './body.js';
import type { ApiRequest, SandboxContext } from './context.js';
import {
  CONTROL_PREFIX,
  type ControlDeps,
  controlReference,
  handleControl,
  safeDecode,
} from './control-api.js';
import { badBodyReply, statusFaultReply } from './fault-replies.js';
import { messageReply, nestBadRequest, type Reply, routeNotFound, writeReply } from './reply.js';
import { redactHeaders } from './request-log.js';
import { initiateUssdPush } from './routes/initiate.js';
import { listPayments } from './routes/list.js';
import { previewUssdPush } from './routes/preview.js';
import { queryPayment } from './routes/query.js';
import { generateToken } from './routes/token.js';
import type { ApiEndpoint, EndpointClass, RequestLogEntry } from './types.js';

export const API_PREFIX = '/third-parties';

type Handler = (ctx: SandboxContext, request: ApiRequest) => Reply;

interface ApiRoute {
  endpoint: ApiEndpoint;
  handler: Handler;
  orderReference?: string;
}

const QUERY_PATH = /^\/payments\/([^/]+)$/;

function apiRoute(method: string, path: string): ApiRoute | undefined {
  if (!path.startsWith(`${API_PREFIX}/`)) return undefined;
  const route = `${method} ${path.slice(API_PREFIX.length)}`;
  switch (route) {
    case 'POST /generate-token':
      return { endpoint: 'token', handler: generateToken };
    case 'POST /payments/preview-ussd-push-request':
      return { endpoint: 'preview', handler: previewUssdPush };
    case 'POST /payments/initiate-ussd-push-request':
      return { endpoint: 'initiate', handler: initiateUssdPush };
    case 'GET /payments/all':
      return { endpoint: 'list', handler: listPayments };
  }
  const query = method === 'GET' ? QUERY_PATH.exec(path.slice(API_PREFIX.length)) : null;
  if (query?.[1] === undefined) return undefined;
  return { endpoint: 'query', handler: queryPayment, orderReference: safeDecode(query[1]) };
}

function isControlPath(path: string): boolean {
  return path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`);
}

function controlClass(path: string): EndpointClass {
  return path === CONTROL_PREFIX || path === `${CONTROL_PREFIX}/` || path === `${CONTROL_PREFIX}/prompts`
    ? 'page'
    : 'control';
}

/** The order reference a call is about: in the path, the JSON body or the query string. */
function referenceOf(route: ApiRoute | undefined, body: unknown, query: URLSearchParams): string | undefined {
  if (route?.orderReference !== undefined) return route.orderReference;
  if (body !== null && typeof body === 'object' && 'orderReference' in body) {
    const value = (body as { orderReference: unknown }).orderReference;
    if (typeof value === 'string') return value;
  }
  return query.get('orderReference') ?? undefined;
}

function resetConnection(socket: Socket | null): void {
  if (!socket) return;
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

export interface SandboxServer {
  server: Server;
  /** Resolves pending latency waits so close() never hangs on them. */
  releaseWaits(): void;
}

export function createSandboxServer(ctx: SandboxContext, control: ControlDeps): SandboxServer {
  const waits = new Set<() => void>();
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        waits.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waits.add(done);
    });

  /** Reads and parses the request, and notes what it is about in the log entry. */
  async function readRequest(req: IncomingMessage, entry: RequestLogEntry, url: URL, route?: ApiRoute) {
    const raw = await readBody(req);
    const hasBody = entry.method !== 'GET' && entry.method !== 'HEAD';
    const parsed = hasBody ? parseJsonBody(raw) : ({ ok: true, value: undefined } as const);
    const body = parsed.ok ? parsed.value : undefined;
    if (body !== undefined) entry.body = body;
    const orderReference = route ? referenceOf(route, body, url.searchParams) : controlReference(entry.path);
    if (orderReference !== undefined) entry.orderReference = orderReference;
    const request: ApiRequest = {
      method: entry.method,
      path: entry.path,
      query: url.searchParams,
      headers: req.headers,
      body,
      orderReference,
    };
    return { parsed, request };
  }

  /** Plays one ClickPesa API call, with any armed fault and the rate limit; returns what was sent. */
  async function answerApi(
    route: ApiRoute,
    request: ApiRequest,
    parseError: string | undefined,
    req: IncomingMessage,
    res: ServerResponse,
    entry: RequestLogEntry,
  ): Promise<number> {
    ctx.engine.settleDue();
    const fault = ctx.faults.take(route.endpoint, request.orderReference);
    if (fault) entry.fault = fault.kind;
    const retryAfter = ctx.rateLimiter.hit();
    if (fault?.kind === 'status') {
      const reply = statusFaultReply(fault);
      writeReply(res, reply);
      return reply.status;
    }
    if (fault?.kind === 'reset' && fault.when !== 'after') {
      resetConnection(req.socket);
      return 0;
    }

    let reply: Reply;
    if (retryAfter !== undefined) {
      reply = messageReply(429, 'Too many requests', { 'retry-after': String(retryAfter) });
    } else if (parseError !== undefined) reply = nestBadRequest(parseError);
    else reply = route.handler(ctx, request);

    if (fault?.kind === 'latency') await wait(fault.ms);
    if (fault?.kind === 'reset') {
      resetConnection(req.socket);
      return 0;
    }
    if (!fault || fault.kind === 'latency') {
      writeReply(res, reply);
      return reply.status;
    }
    const bad = badBodyReply(fault.kind, reply);
    if (bad.truncateAt === undefined) {
      writeReply(res, { status: bad.status, text: bad.payload, headers: bad.headers });
    } else {
      res.writeHead(bad.status, { ...bad.headers, 'content-length': String(Buffer.byteLength(bad.payload)) });
      res.write(Buffer.from(bad.payload).subarray(0, bad.truncateAt), () => resetConnection(req.socket));
    }
    return bad.status;
  }

  async function answer(
    req: IncomingMessage,
    res: ServerResponse,
    entry: RequestLogEntry,
    url: URL,
  ): Promise<number> {
    const route = apiRoute(entry.method, entry.path);
    let read: Awaited<ReturnType<typeof readRequest>>;
    try {
      read = await readRequest(req, entry, url, route);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      writeReply(res, { ...messageReply(413, 'Payload Too Large'), headers: { connection: 'close' } });
      return 413;
    }
    const { parsed, request } = read;
    if (route) return answerApi(route, request, parsed.ok ? undefined : parsed.error, req, res, entry);

    let reply: Reply | undefined;
    if (isControlPath(entry.path)) {
      reply = parsed.ok ? await handleControl(control, request) : nestBadRequest(parsed.error);
    }
    const final = reply ?? routeNotFound(entry.method, entry.path);
    writeReply(res, final);
    return final.status;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const path = url.pathname;
    const entry: RequestLogEntry = {
      at: ctx.now(),
      method,
      path,
      url: `${path}${url.search}`,
      endpoint: apiRoute(method, path)?.endpoint ?? (isControlPath(path) ? controlClass(path) : 'other'),
      status: 0,
      headers: redactHeaders(req.headers),
    };
    ctx.log.open(entry);
    try {
      entry.status = await answer(req, res, entry, url);
    } catch {
      // Never crash on a request: answer 500 if still possible.
      writeReply(res, messageReply(500, 'Internal server error'));
      entry.status = 500;
    }
    ctx.log.close(entry);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // Only a URL too odd to parse gets here.
      writeReply(res, messageReply(400, 'Bad Request'));
    });
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });

  return {
    server,
    releaseWaits() {
      for (const done of [...waits]) done();
    },
  };
}
