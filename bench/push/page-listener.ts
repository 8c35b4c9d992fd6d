import { Agent, get, type IncomingMessage } from 'node:http';

/** One checkout page on the push route: the statuses it heard, and when the final one arrived. */
export interface PushPage {
  /** Resolves with the first event's status (the stream is open and the page knows the payment). */
  readonly opened: Promise<string>;
  /** Resolves with the final status and the time it arrived (`now()`: wall-clock ms, sub-ms precision). */
  readonly final: Promise<{ status: string; at: number }>;
  close(): void;
}

const FINAL = new Set(['success', 'failed', 'cancelled', 'reversed']);
/** No pooling: every page holds its own connection, as browsers on different phones do. */
const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export const wallClockMs = (): number => performance.timeOrigin + performance.now();

/**
 * A page listening on `GET {baseUrl}/payments/{id}/events` (for the throughput bench's "pages on the push
 * route" row, and bench/push). Reads `data:` lines only; ends at the first final status.
 */
export function listenOnPushRoute(options: {
  baseUrl: string;
  paymentId: string;
  token: string;
  /** The time an arrival is stamped with; the throughput bench passes its scaled clock's. */
  now?: () => number;
}): PushPage {
  const now = options.now ?? wallClockMs;
  let resolveOpened: (status: string) => void = () => {};
  let resolveFinal: (value: { status: string; at: number }) => void = () => {};
  let fail: (error: Error) => void = () => {};
  const opened = new Promise<string>((resolve, reject) => {
    resolveOpened = resolve;
    fail = reject;
  });
  const final = new Promise<{ status: string; at: number }>((resolve, reject) => {
    resolveFinal = resolve;
    const earlier = fail;
    fail = (error) => {
      earlier(error);
      reject(error);
    };
  });
  // a caller that only awaits one of them must not see an unhandled rejection from the other
  opened.catch(() => {});
  final.catch(() => {});
  let first = true;
  let buffer = '';
  const url = `${options.baseUrl}/payments/${encodeURIComponent(options.paymentId)}/events`;
  const request = get(
    url,
    { agent, headers: { authorization: `Bearer ${options.token}`, accept: 'text/event-stream' } },
    (response: IncomingMessage) => {
      if (response.statusCode !== 200) {
        response.resume();
        fail(new Error(`the push route answered ${response.statusCode}`));
        return;
      }
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (data === undefined) continue;
          const status = (JSON.parse(data) as { status: string }).status;
          if (first) {
            first = false;
            resolveOpened(status);
          }
          if (FINAL.has(status)) resolveFinal({ status, at: now() });
        }
      });
      response.on('close', () => fail(new Error('the stream closed before a final status')));
    },
  );
  request.on('error', (error) => fail(error));
  return { opened, final, close: () => request.destroy() };
}
