import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { HandlerRequest } from './types.js';

/** The body fields of a {@link HandlerRequest}, as an adapter fills them in. */
export type RequestBodyFields = Pick<HandlerRequest, 'rawBody' | 'body' | 'bodyTooLarge'>;

/** What a host's own body parser may have left on its request object. */
export interface HostParsedBody {
  /** Bytes kept by the host (e.g. a `verify` callback storing `req.rawBody`). */
  rawBody?: unknown;
  /** The host parser's result. */
  body?: unknown;
}

/**
 * The body fields for the handler, in this order: the bytes we read
 * ourselves, else the host's raw bytes, else the host's parsed body. A stream a host parser already consumed
 * is never read again: that would hang. Requests without a body (no Content-Length, no Transfer-Encoding)
 * are answered at once.
 */
export async function readRequestBody(
  request: IncomingMessage,
  limit: number,
  host: HostParsedBody = {},
  timeoutMs?: number,
): Promise<RequestBodyFields> {
  const { headers } = request;
  if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) return {};
  if (!request.readableEnded) return readBodyStream(request, limit, timeoutMs);
  const { rawBody } = host;
  if (Buffer.isBuffer(rawBody) || typeof rawBody === 'string') return { rawBody };
  return { body: host.body };
}

/**
 * Reads a body stream, keeping at most `limit` bytes. Past the limit reading stops at once, the rest is
 * drained in the background so the connection stays usable, and `bodyTooLarge` tells the handler to answer 413.
 * Rejects when the stream fails or the client goes away mid-body, for the framework's own error handling.
 * With `timeoutMs`, a body still incomplete after that long (a client trickling bytes) rejects with 408 and
 * the stream is destroyed, which closes the connection: a slow sender holds a socket for at most that long.
 */
export function readBodyStream(
  stream: Readable,
  limit: number,
  timeoutMs?: number,
): Promise<Pick<HandlerRequest, 'rawBody' | 'bodyTooLarge'>> {
  return new Promise((resolve, reject) => {
    if (stream.readable === false) {
      reject(httpError(500, 'stream is not readable', 'stream.not.readable'));
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            stop();
            reject(httpError(408, 'request body timeout', 'request.timeout', 'ETIMEDOUT'));
            stream.destroy();
          }, timeoutMs);
    timer?.unref?.();
    const stop = () => {
      if (timer !== undefined) clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('aborted', onAborted);
      stream.off('close', onAborted);
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      received += bytes.length;
      if (received <= limit) {
        chunks.push(bytes);
        return;
      }
      stop();
      stream.resume();
      resolve({ bodyTooLarge: true });
    };
    const onEnd = () => {
      stop();
      resolve({ rawBody: Buffer.concat(chunks, received) });
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    // 'close' before 'end' is an abort too (it would otherwise leave the request hanging)
    const onAborted = () => {
      stop();
      reject(httpError(400, 'request aborted', 'request.aborted', 'ECONNABORTED'));
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('aborted', onAborted);
    stream.on('close', onAborted);
  });
}

/**
 * Shaped like the errors the adapters' former reader (raw-body) raised, so hosts' error handlers treat them
 * the same: `status` for the answer, `expose` so Koa does not log a client's abort as a server fault.
 */
function httpError(status: number, message: string, type: string, code?: string): Error {
  return Object.assign(new Error(message), {
    status,
    statusCode: status,
    expose: status < 500,
    type,
    ...(code === undefined ? {} : { code }),
  });
}
