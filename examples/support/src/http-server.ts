import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClickPesaPayments } from '@clickpesa-kit/core';
import type { RunningShop } from './shop.js';

/**
 * Serves a request listener (an Express app, Koa's `app.callback()`) on `http.createServer`. Its `close()`
 * stops in the order a payment app needs: no new requests (those in flight are answered first), then the
 * kit's poller (provider checks in flight finish, leases are released). The store is closed after that, by
 * whoever opened it.
 */
export async function serveHttp(
  listener: RequestListener,
  payments: ClickPesaPayments,
  address: { port: number; host: string },
): Promise<RunningShop> {
  let server: Server;
  try {
    server = await listen(listener, address);
  } catch (error) {
    await payments.close(); // the poller started with the kit: a failed start must not leave it running
    throw error;
  }
  return {
    url: serverUrl(server.address() as AddressInfo),
    payments,
    async close() {
      await closeServer(server);
      await payments.close();
    },
  };
}

/** The URL to reach a listening server at (a wildcard address is reached through loopback). */
export function serverUrl(address: AddressInfo): string {
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  const host = wildcard ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** `listen()` as a promise that rejects with the listen error (EADDRINUSE...) instead of an 'error' event. */
function listen(listener: RequestListener, address: { port: number; host: string }): Promise<Server> {
  const server = createServer(listener);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // idle keep-alive sockets (a browser's) would hold close() open; busy ones finish their request first
    server.closeIdleConnections();
  });
}
