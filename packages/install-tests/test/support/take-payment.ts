import { createServer } from 'node:net';
import { join } from 'node:path';
import { startServerProcess } from './server-process.js';

export interface PaymentOutcome {
  /** The payment's status as the app reports it at the end. */
  status: string;
  /** How many USSD pushes (initiate calls) reached the sandbox. */
  pushes: number;
  /** How many webhooks the sandbox delivered to the app with a 2xx answer. */
  webhooksAccepted: number;
}

const SANDBOX_CLI = 'node_modules/@clickpesa-kit/sandbox/dist/cli.js';
const AUTH = { authorization: 'Bearer alice-token' };

/**
 * What docs/getting-started.md tells a user to do: start the sandbox CLI with a webhook URL, start the
 * app against it, POST a payment for a number whose last digit approves, and ask for its status until it
 * is final.
 */
export async function takeSandboxPayment(appDir: string, entry: string): Promise<PaymentOutcome> {
  const appPort = await freePort();
  const sandbox = await startServerProcess(
    [
      join(appDir, SANDBOX_CLI),
      '--port',
      '0',
      '--approve-delay-ms',
      '300',
      '--webhook-url',
      `http://127.0.0.1:${appPort}/api/v1/callback`,
    ],
    { cwd: appDir, readyLine: /base URL:\s+(\S+)/ },
  );
  try {
    const baseUrl = sandbox.ready[1]!;
    const app = await startServerProcess([entry], {
      cwd: appDir,
      env: {
        PORT: String(appPort),
        CLICKPESA_BASE_URL: baseUrl,
        CLICKPESA_CLIENT_ID: 'sandbox-client',
        CLICKPESA_API_KEY: 'sandbox-key',
      },
      readyLine: /listening (\d+)/,
    });
    try {
      const api = `http://127.0.0.1:${appPort}/api/v1`;
      const created = await fetch(`${api}/payments`, {
        method: 'POST',
        headers: { ...AUTH, 'content-type': 'application/json' },
        body: JSON.stringify({ amount: 1000, msisdn: '0712345671' }),
      });
      const createdBody = (await created.json()) as { data?: { id: string } };
      if (created.status !== 201 || !createdBody.data) {
        throw new Error(
          `POST /payments answered ${created.status} ${JSON.stringify(createdBody)}\n${app.output()}`,
        );
      }
      const status = await waitForFinalStatus(`${api}/payments/${createdBody.data.id}/status`);
      const control = new URL('/__sandbox/', baseUrl);
      const pushes = (await getJson<unknown[]>(new URL('requests?endpoint=initiate', control))).length;
      const webhooksAccepted = await countAcceptedWebhooks(new URL('webhooks', control));
      return { status, pushes, webhooksAccepted };
    } finally {
      await app.stop();
    }
  } finally {
    await sandbox.stop();
  }
}

async function waitForFinalStatus(url: string, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let status = 'unknown';
  while (Date.now() < deadline) {
    status = (await getJson<{ data: { status: string } }>(url, AUTH)).data.status;
    if (!['pending', 'processing'].includes(status)) return status;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return status;
}

/** The sandbox logs a delivery once the app has answered it, which may be just after the status changed. */
async function countAcceptedWebhooks(url: URL, timeoutMs = 5_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const deliveries = await getJson<{ status: number }[]>(url);
    const accepted = deliveries.filter((delivery) => delivery.status >= 200 && delivery.status < 300).length;
    if (accepted > 0 || Date.now() > deadline) return accepted;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function getJson<T>(url: string | URL, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(url, { headers });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}
