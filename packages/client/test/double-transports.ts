import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FetchLike } from '../src/http.js';
import { headersObject, type RouteDouble } from './route-double.js';

/** The double as the client's `fetch`: no sockets, so fake timers see every step. */
export function inProcessFetch(double: RouteDouble): FetchLike {
  return async (input, init) => {
    const signal = init.signal ?? undefined;
    signal?.throwIfAborted();
    const answer = await double.handle(new Request(input, init));
    if (answer === 'drop') throw new TypeError('fetch failed', { cause: new Error('other side closed') });
    if (answer === 'hold') {
      return new Promise<Response>((_resolve, reject) => {
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    }
    return answer;
  };
}

export interface ServedDouble {
  /** Base URL of the routes, e.g. http://127.0.0.1:41234/api/v1 */
  baseUrl: string;
  close(): Promise<void>;
}

/** The double behind a real HTTP server on 127.0.0.1 (routes mounted at /api/v1, like the examples). */
export async function serveDouble(double: RouteDouble): Promise<ServedDouble> {
  const server = createServer((req, res) => {
    readAll(req)
      .then(async (body) => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers)) {
          if (typeof value === 'string') headers.set(name, value);
        }
        const init: RequestInit = { method: req.method ?? 'GET', headers };
        if (body.length > 0) init.body = new Uint8Array(body);
        const answer = await double.handle(new Request(`http://${req.headers.host}${req.url}`, init));
        if (answer === 'drop') return req.socket.destroy();
        if (answer === 'hold') return;
        res.writeHead(answer.status, headersObject(answer.headers));
        res.end(Buffer.from(await answer.arrayBuffer()));
      })
      .catch((error: unknown) => {
        res.writeHead(500).end(String(error));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/api/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
