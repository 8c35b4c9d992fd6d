import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HandlerRequest, PaymentsHandler } from '../../src/http/types.js';

/**
 * The smallest possible adapter (what express/fastify/koa do, minus the framework): real HTTP on 127.0.0.1,
 * raw bytes captured up to the handler's limit, the handler's answer written back unchanged. An error the
 * handler rejects with becomes a bare 500, as a host's error handler would make it.
 */
export interface HarnessServer {
  url: string;
  server: Server;
  hostErrors: unknown[];
  close(): Promise<void>;
}

export async function serveHandler(handler: PaymentsHandler, mount = '/api/v1'): Promise<HarnessServer> {
  const hostErrors: unknown[] = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!url.pathname.startsWith(mount) || !handler.matches(url.pathname.slice(mount.length))) {
      res.writeHead(404).end('not ours');
      return;
    }
    const { rawBody, tooLarge } = await readBody(req, handler.bodyLimit);
    const request: HandlerRequest = {
      method: req.method ?? 'GET',
      path: url.pathname.slice(mount.length),
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      rawBody,
      bodyTooLarge: tooLarge,
      raw: req,
    };
    try {
      const response = await handler.handle(request);
      res.writeHead(response.status, response.headers).end(JSON.stringify(response.body));
    } catch (error) {
      hostErrors.push(error);
      res.writeHead(500, { 'content-type': 'text/plain' }).end('host error page');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${mount}`,
    server,
    hostErrors,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

async function readBody(
  req: IncomingMessage,
  limit: number,
): Promise<{ rawBody: Buffer; tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) tooLarge = true;
    if (!tooLarge) chunks.push(chunk as Buffer);
  }
  return { rawBody: Buffer.concat(chunks), tooLarge };
}
