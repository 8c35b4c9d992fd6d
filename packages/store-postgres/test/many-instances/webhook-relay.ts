import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Where the relay may forward: the instances still alive, asked afresh for every webhook. */
export type Targets = () => readonly string[];

export interface WebhookRelay {
  /** The URL to give the sandbox as `webhookUrl`. */
  readonly url: string;
  /** Order references whose webhooks were dropped (answered 200, never forwarded). */
  readonly dropped: Set<string>;
  /** Webhooks forwarded, and the instance answers they got. */
  readonly forwarded: { orderReference: string; target: string; status: number }[];
  close(): Promise<void>;
}

/**
 * Stands between the sandbox and the instances like a flaky network path: the webhooks of a fixed share of
 * order references are lost (answered 200 so the sandbox does not retry: gone for good), the rest go
 * round-robin to the live instances' /callback. Which references lose theirs is a hash of the reference, so
 * the choice does not depend on timing.
 */
export async function startWebhookRelay(targets: Targets, lossPercent: number): Promise<WebhookRelay> {
  const dropped = new Set<string>();
  const forwarded: WebhookRelay['forwarded'] = [];
  let turn = 0;

  const server = createServer((req, res) => {
    relay(req)
      .then(({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body);
      })
      .catch(() => {
        res.writeHead(502);
        res.end();
      });
  });

  async function relay(req: IncomingMessage): Promise<{ status: number; body: string }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const orderReference = referenceOf(raw);
    if (orderReference !== null && isLost(orderReference, lossPercent)) {
      dropped.add(orderReference);
      return { status: 200, body: '{"relay":"dropped"}' };
    }
    // a dead instance refuses the connection: try the next live one before giving up
    const live = targets();
    for (let tried = 0; tried < live.length; tried++) {
      const target = live[turn++ % live.length]!;
      try {
        const answer = await fetch(`${target}/callback`, {
          method: 'POST',
          headers: forwardedHeaders(req),
          body: raw,
          signal: AbortSignal.timeout(10_000),
        });
        forwarded.push({ orderReference: orderReference ?? '', target, status: answer.status });
        return { status: answer.status, body: await answer.text() };
      } catch {
        // next target
      }
    }
    return { status: 502, body: '{"relay":"no live instance"}' };
  }

  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    dropped,
    forwarded,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function isLost(orderReference: string, lossPercent: number): boolean {
  return createHash('sha256').update(orderReference).digest().readUInt16BE(0) % 100 < lossPercent;
}

function referenceOf(raw: Buffer): string | null {
  try {
    const body = JSON.parse(raw.toString('utf8')) as { data?: { orderReference?: unknown } };
    return typeof body.data?.orderReference === 'string' ? body.data.orderReference : null;
  } catch {
    return null;
  }
}

function forwardedHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (
      value === undefined ||
      name === 'host' ||
      name === 'content-length' ||
      name === 'connection' ||
      name === 'transfer-encoding'
    )
      continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}
