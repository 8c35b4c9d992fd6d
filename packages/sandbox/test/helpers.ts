import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { computeChecksum } from '../src/checksum.js';
import type { Sandbox } from '../src/index.js';

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

async function toResponse(response: Response): Promise<ApiResponse> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** A tiny ClickPesa client written against the documented API, for driving the sandbox in tests. */
export function clickpesa(sb: Sandbox, credentials = { clientId: sb.clientId, apiKey: sb.apiKey }) {
  let token: string | undefined;
  const client = {
    async generateToken(
      headers: Record<string, string> = { 'client-id': credentials.clientId, 'api-key': credentials.apiKey },
    ) {
      return toResponse(await fetch(`${sb.url}/generate-token`, { method: 'POST', headers }));
    },
    async token(): Promise<string> {
      if (token) return token;
      const response = await client.generateToken();
      token = (response.body as { token: string }).token;
      return token;
    },
    forgetToken() {
      token = undefined;
    },
    async post(path: string, body: unknown, authorization?: string): Promise<ApiResponse> {
      return toResponse(
        await fetch(`${sb.url}${path}`, {
          method: 'POST',
          headers: {
            authorization: authorization ?? (await client.token()),
            'content-type': 'application/json',
          },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        }),
      );
    },
    async get(path: string, authorization?: string): Promise<ApiResponse> {
      return toResponse(
        await fetch(`${sb.url}${path}`, {
          headers: { authorization: authorization ?? (await client.token()) },
        }),
      );
    },
    initiate(body: Record<string, unknown>) {
      return client.post('/payments/initiate-ussd-push-request', body);
    },
    preview(body: Record<string, unknown>) {
      return client.post('/payments/preview-ussd-push-request', body);
    },
    query(orderReference: string) {
      return client.get(`/payments/${orderReference}`);
    },
  };
  return client;
}

let counter = 0;
/** A fresh alphanumeric order reference. */
export function ref(prefix = 'PAY'): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36).toUpperCase()}${counter}`;
}

export function push(orderReference: string, phoneNumber: string, amount = '1000') {
  return { amount, currency: 'TZS', orderReference, phoneNumber };
}

export function signed(
  key: string,
  body: Record<string, unknown>,
  method: 'canonical' | 'legacy' = 'canonical',
): Record<string, unknown> {
  const withMethod: Record<string, unknown> =
    method === 'legacy' ? { ...body, checksumMethod: 'legacy' } : body;
  return { ...withMethod, checksum: computeChecksum(key, withMethod, method) };
}

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown>;
}

/** A local webhook receiver that answers with the given statuses in turn (the last one repeats). */
export async function startReceiver(statuses: number[] = [200]) {
  const received: ReceivedWebhook[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: req.headers, raw, body: JSON.parse(raw) as Record<string, unknown> });
      const status = statuses[Math.min(received.length - 1, statuses.length - 1)] ?? 200;
      res.writeHead(status).end();
      for (const waiter of waiters.filter((w) => received.length >= w.count)) waiter.resolve();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/callback`,
    received,
    /** Resolves once `count` webhooks arrived. */
    waitFor(count: number): Promise<void> {
      if (received.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    close(): Promise<void> {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls the sandbox ledger until the payment leaves PROCESSING (the scenario timer is real). */
export async function settled(sb: Sandbox, orderReference: string): Promise<string> {
  for (;;) {
    const status = sb.getPayment(orderReference)?.status;
    if (status && status !== 'PROCESSING') return status;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
