import { type ClientRequest, get, type IncomingMessage } from 'node:http';
import { createMemoryStore } from '@clickpesa-kit/core';
import { type Sandbox, startSandbox } from '@clickpesa-kit/sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HostSetup, HostVariant, RunningHost } from './host-conventions.js';

const CHECKSUM_KEY = 'push-suite-checksum-key';

let msisdnSerial = 0;
/** A fresh number per payment, ending in 7: the sandbox's customer never answers, the test decides. */
function nextMsisdn(): string {
  msisdnSerial += 1;
  return `25576${String(msisdnSerial).padStart(6, '0')}7`;
}

export interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/**
 * A Server-Sent Events reader on node:http (its `close()` destroys the socket, as a browser closing the
 * page does): events and comments as they arrive, and the end of the stream.
 */
export async function openEvents(url: string, headers: Record<string, string> = {}) {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let ended = false;
  let notify: () => void = () => {};
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const finish = () => {
    ended = true;
    notify();
    finished();
  };
  const { request, response, text } = await new Promise<{
    request: ClientRequest;
    response: IncomingMessage;
    text: Promise<string>;
  }>((resolve, reject) => {
    const request = get(url, { headers }, (response) => {
      response.setEncoding('utf8');
      const isStream = response.headers['content-type']?.startsWith('text/event-stream') === true;
      let buffer = '';
      let body = '';
      const text = new Promise<string>((resolveText) => {
        response.on('data', (chunk: string) => {
          if (!isStream) {
            body += chunk;
            return;
          }
          buffer += chunk;
          for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event: SseEvent = {};
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) comments.push(line.slice(1).trim());
              const match = /^(id|event|data): ?(.*)$/.exec(line);
              if (match) event[match[1] as keyof SseEvent] = match[2];
            }
            if (event.data !== undefined) events.push(event);
            notify();
          }
        });
        response.on('end', () => resolveText(body));
        response.on('close', () => {
          resolveText(body);
          finish();
        });
      });
      resolve({ request, response, text });
    });
    request.on('error', (error) => {
      reject(error);
      finish();
    });
  });
  const until = async (check: () => boolean, what: string, timeoutMs = 5_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        notify = resolve;
        setTimeout(resolve, 50);
      });
    }
  };
  return {
    status: response.statusCode as number,
    headers: response.headers,
    json: async () => JSON.parse(await text),
    events,
    comments,
    ended: () => ended,
    payments: () => events.map((event) => JSON.parse(event.data as string)),
    until,
    close: async () => {
      request.destroy();
      await done;
    },
    done: () => done,
  };
}

/** A plain GET on node:http whose `destroy()` drops the socket while the server still holds the request. */
function heldRequest(url: string, headers: Record<string, string>) {
  let request: ClientRequest | undefined;
  const answer = new Promise<{ status: number } | null>((resolve) => {
    request = get(url, { headers }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode as number }));
    });
    request.on('error', () => resolve(null));
  });
  return { answer, destroy: () => request?.destroy() };
}

/** Polls until `check` holds (bookkeeping that settles right after a socket closes). */
export async function eventually(check: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The push routes over real HTTP on each framework: the event stream and the long poll answer a status
 * change at once, keep auth and ownership, cap connections per owner, and free everything (listeners,
 * timers, connection counts) when the client goes away or the kit shuts down.
 */
export function runPushSuite(variants: HostVariant[]): void {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ checksumKey: CHECKSUM_KEY, approveDelayMs: 60_000 });
  });
  afterAll(() => sandbox.close());

  describe.each(variants)('$name', (variant) => {
    let host: RunningHost | undefined;
    afterEach(async () => {
      await host?.close();
      host = undefined;
    });

    const start = async (options: Partial<HostSetup['options']> = {}) => {
      host = await variant.start({
        mount: '/api/v1',
        options: {
          store: createMemoryStore(),
          clickpesa: {
            clientId: sandbox.clientId,
            apiKey: sandbox.apiKey,
            checksumKey: CHECKSUM_KEY,
            baseUrl: sandbox.url,
          },
          poller: false,
          budget: false,
          rateLimits: false,
          trustSignedWebhooks: true,
          ...options,
        },
      });
      // the kit's own subscribers (its event logs) are there before any stream: count only the push routes'
      baseListeners = host.payments.events.listenerCount('payment.status_changed');
      return host;
    };
    let baseListeners = 0;
    const auth = (token = 'alice') => ({ authorization: `Bearer ${token}-token` });
    const createPayment = async (running: RunningHost) => {
      const answer = await fetch(`${running.base}/payments`, {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/json' },
        body: JSON.stringify({ amount: 1500, currency: 'TZS', msisdn: nextMsisdn(), customer_name: 'Asha' }),
      });
      expect(answer.status).toBe(201);
      const { data } = (await answer.json()) as { data: { id: string; reference: string; status: string } };
      return data;
    };
    /** ClickPesa approves and its signed webhook reaches this host: the payment turns `success`. */
    const approve = async (running: RunningHost, reference: string) => {
      sandbox.approve(reference);
      expect(await sandbox.sendWebhook(reference, { url: `${running.base}/callback` })).toBe(200);
    };
    const idle = (running: RunningHost) => {
      const stats = running.payments.handler.pushStats?.();
      return (
        stats?.connections === 0 &&
        stats.timers === 0 &&
        running.payments.events.listenerCount('payment.status_changed') <= baseListeners
      );
    };

    it('streams the payment at once, then its change to success, then ends; nothing is left open', async () => {
      const running = await start();
      const payment = await createPayment(running);
      const stream = await openEvents(`${running.base}/payments/${payment.id}/events`, auth());
      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(stream.headers['cache-control']).toContain('no-store');
      await stream.until(() => stream.events.length === 1, 'the first event');
      expect(stream.payments()[0]).toMatchObject({ id: payment.id, status: payment.status });
      // the heartbeat, and the one reader that keeps asking for the open payment's checks
      expect(running.payments.handler.pushStats?.()).toEqual({ connections: 1, timers: 2 });

      await approve(running, payment.reference);
      await stream.until(() => stream.ended(), 'the end of the stream');
      expect(stream.payments().map((each) => each.status)).toEqual([payment.status, 'success']);
      expect(stream.events.map((event) => event.event)).toEqual(['payment', 'payment']);
      await eventually(() => idle(running), 'no open connection, listener or timer');

      // a browser reconnecting after the final event is told to stop (204), not streamed again
      const lastId = stream.events[1]?.id as string;
      const again = await fetch(`${running.base}/payments/${payment.id}/events`, {
        headers: { ...auth(), 'last-event-id': lastId },
      });
      expect(again.status).toBe(204);
      // a payment that is already final: one event, then the end
      const late = await openEvents(`${running.base}/payments/${payment.id}/events`, auth());
      await late.done();
      expect(late.payments().map((each) => each.status)).toEqual(['success']);
    });

    it('keeps auth and ownership: 401 without a user, 404 for another owner, and nothing stays open', async () => {
      const running = await start();
      const payment = await createPayment(running);
      const anonymous = await fetch(`${running.base}/payments/${payment.id}/events`);
      expect(anonymous.status).toBe(401);
      const bob = await fetch(`${running.base}/payments/${payment.id}/events`, { headers: auth('bob') });
      expect(bob.status).toBe(404);
      expect(await bob.json()).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
      const bobWaits = await fetch(`${running.base}/payments/${payment.id}/status?wait=5`, {
        headers: auth('bob'),
      });
      expect(bobWaits.status).toBe(404);
      await bobWaits.arrayBuffer();
      expect(idle(running)).toBe(true);
    });

    it('ends the stream on a client disconnect and on shutdown, freeing listener, timer and slot', async () => {
      const running = await start({ push: { heartbeatMs: 100 } });
      const payment = await createPayment(running);
      const first = await openEvents(`${running.base}/payments/${payment.id}/events`, auth());
      await first.until(() => first.comments.includes('heartbeat'), 'a heartbeat comment');
      await first.close();
      await eventually(() => idle(running), 'the disconnect to free everything');

      const second = await openEvents(`${running.base}/payments/${payment.id}/events`, auth());
      await second.until(() => second.events.length === 1, 'the first event');
      await running.payments.close();
      await second.until(() => second.ended(), 'shutdown to end the stream');
      await eventually(() => idle(running), 'shutdown to free everything');
    });

    it('caps open connections per owner: one more is 429 with Retry-After until one closes', async () => {
      const running = await start({ push: { maxConnectionsPerOwner: 2 } });
      const payment = await createPayment(running);
      const url = `${running.base}/payments/${payment.id}/events`;
      const open = [await openEvents(url, auth()), await openEvents(url, auth())];
      const refused = await fetch(url, { headers: auth() });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await refused.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
      const refusedWait = await fetch(`${running.base}/payments/${payment.id}/status?wait=5`, {
        headers: auth(),
      });
      expect(refusedWait.status).toBe(429);
      await refusedWait.arrayBuffer();
      // another owner has its own allowance (and gets 404 for alice's payment, not 429)
      const bob = await fetch(url, { headers: auth('bob') });
      expect(bob.status).toBe(404);
      await bob.arrayBuffer();

      await open[0]?.close();
      await eventually(() => running.payments.handler.pushStats?.().connections === 1, 'the slot to free');
      const third = await openEvents(url, auth());
      expect(third.status).toBe(200);
      await Promise.all([open[1]?.close(), third.close()]);
      await eventually(() => idle(running), 'every slot to free');
    });

    it('long poll: answers as soon as the status differs from the known one, with an ETag', async () => {
      const running = await start();
      const payment = await createPayment(running);
      const base = `${running.base}/payments/${payment.id}/status`;

      // nothing changes: the answer comes after `wait`, with today's status and its ETag
      const quietStart = Date.now();
      const quiet = await fetch(`${base}?wait=0.4&known=${payment.status}`, { headers: auth() });
      expect(quiet.status).toBe(200);
      expect(Date.now() - quietStart).toBeGreaterThanOrEqual(350);
      expect(((await quiet.json()) as { data: { status: string } }).data.status).toBe(payment.status);
      const etag = quiet.headers.get('etag') as string;
      expect(etag).toBe(`"${payment.status}"`);

      // a client that knows an older status gets the current one at once
      const stale = Date.now();
      const behind = await fetch(`${base}?wait=20&known=pending&known=pending`, { headers: auth() });
      if (payment.status !== 'pending') expect(Date.now() - stale).toBeLessThan(2_000);
      await behind.arrayBuffer();

      // If-None-Match with the ETag: held until the webhook turns it success
      const startedAt = Date.now();
      const waiting = fetch(`${base}?wait=20`, { headers: { ...auth(), 'if-none-match': etag } });
      await eventually(() => running.payments.handler.pushStats?.().connections === 1, 'the wait to start');
      await approve(running, payment.reference);
      const answer = await waiting;
      expect(Date.now() - startedAt).toBeLessThan(5_000);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('etag')).toBe('"success"');
      expect(((await answer.json()) as { data: { status: string } }).data.status).toBe('success');
      await eventually(() => idle(running), 'the wait to free everything');

      const bad = await fetch(`${base}?wait=soon`, { headers: auth() });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
      const badKnown = await fetch(`${base}?wait=1&known=paid`, { headers: auth() });
      expect(badKnown.status).toBe(400);
      await badKnown.arrayBuffer();
    });

    it('long poll: a client that goes away frees its slot at once; shutdown answers open waits', async () => {
      const running = await start();
      const payment = await createPayment(running);
      const url = `${running.base}/payments/${payment.id}/status?wait=30`;
      const gone = heldRequest(url, auth());
      await eventually(() => running.payments.handler.pushStats?.().connections === 1, 'the wait to start');
      gone.destroy();
      expect(await gone.answer).toBeNull();
      await eventually(() => idle(running), 'the disconnect to free the wait');

      const startedAt = Date.now();
      const held = fetch(url, { headers: auth() });
      await eventually(() => running.payments.handler.pushStats?.().connections === 1, 'the wait to start');
      await running.payments.close();
      const answer = await held;
      expect(Date.now() - startedAt).toBeLessThan(5_000);
      expect(answer.status).toBe(200);
      await answer.arrayBuffer();
      expect(idle(running)).toBe(true);
    });
  });
}
