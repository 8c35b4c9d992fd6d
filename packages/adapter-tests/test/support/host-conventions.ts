import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClickPesaExpressOptions, ClickPesaPayments } from '@clickpesa-kit/express';

/**
 * What every test host does the same way, whatever its framework: bearer tokens resolved by the host's own
 * auth middleware (the adapters' `authenticate` only reads its result), its own routes next to ours, its own
 * 404 and error handling. The suite recognises the host's answers by these bodies.
 */
export const TOKENS: Readonly<Record<string, string>> = { 'alice-token': 'alice', 'bob-token': 'bob' };

/** A request carrying this header makes the host's `authenticate` throw. */
export const EXPLODE_HEADER = 'x-host-auth-explode';

export class HostAuthError extends Error {
  override readonly name = 'HostAuthError';
  constructor() {
    super('host authenticate failed');
  }
}

/** The host's error handler answers 418 for its own auth error, else the error's status. */
export const HOST_AUTH_ERROR_STATUS = 418;
export const HOST_NOT_FOUND_BODY = { host: 'not found' } as const;
export const hostHealthBody = { host: 'health' } as const;
export const hostReceiptBody = (id: string) => ({ host: 'receipt', id });

/** The host's auth middleware: `Authorization: Bearer <token>` → `{ id }`. */
export function principalFor(authorization: string | string[] | undefined): { id: string } | null {
  const value = Array.isArray(authorization) ? authorization[0] : authorization;
  const id = value?.startsWith('Bearer ') ? TOKENS[value.slice('Bearer '.length)] : undefined;
  return id === undefined ? null : { id };
}

export function hostErrorStatus(error: unknown): number {
  if (error instanceof HostAuthError) return HOST_AUTH_ERROR_STATUS;
  const status =
    (error as { status?: unknown; statusCode?: unknown }).status ??
    (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? status : 500;
}

export interface HostSetup {
  /** Where the host mounts the payment routes. */
  mount: '/' | '/api/v1';
  /** Whether the host installed its framework's usual JSON body parser before our routes. */
  hostParser: boolean;
  /** The kit options without `authenticate`, which each host supplies for its framework's request. */
  options: Omit<ClickPesaExpressOptions, 'authenticate'>;
}

export interface RunningHost {
  /** The mount point as a URL, without a trailing slash: `http://127.0.0.1:1234/api/v1` or `...:1234`. */
  base: string;
  origin: string;
  payments: ClickPesaPayments;
  close(): Promise<void>;
}

export interface HostVariant {
  /** "express 5 + express.json()" etc. */
  name: string;
  hostParser: boolean;
  /** True when the host's parser answers body errors (malformed JSON, too large) before our routes see them. */
  parserAnswersBodyErrors: boolean;
  start(setup: Omit<HostSetup, 'hostParser'>): Promise<RunningHost>;
}

/** The mount prefix for host routes: "" at the root, "/api/v1" otherwise. */
export function prefixOf(mount: HostSetup['mount']): string {
  return mount === '/' ? '' : mount;
}

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Serves a host app on 127.0.0.1 (random port); closing it closes the kit, then the server. */
export async function serveHost(
  listener: RequestListener,
  mount: HostSetup['mount'],
  payments: ClickPesaPayments,
): Promise<RunningHost> {
  const server = createServer(listener);
  const origin = await listen(server);
  return {
    origin,
    base: origin + prefixOf(mount),
    payments,
    close: async () => {
      await payments.close();
      await closeServer(server);
    },
  };
}
