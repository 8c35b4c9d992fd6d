import type { ServerResponse } from 'node:http';

/** A response not yet written: handlers return one, so faults can still reshape it. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Serialised as JSON. */
  json?: unknown;
  /** Sent as is (content-type from `headers`, text/plain otherwise). */
  text?: string;
}

export function jsonReply(status: number, json: unknown, headers?: Record<string, string>): Reply {
  return { status, json, headers };
}

/** ClickPesa's documented error shape. */
export function messageReply(status: number, message: string, headers?: Record<string, string>): Reply {
  return jsonReply(status, { message }, headers);
}

/** The NestJS validation shape ClickPesa has been seen answering with (e.g. "Invalid checksum"). */
export function nestBadRequest(message: string | string[]): Reply {
  return jsonReply(400, { statusCode: 400, message, error: 'Bad Request' });
}

export function routeNotFound(method: string, path: string): Reply {
  return jsonReply(404, { message: `Cannot ${method} ${path}`, error: 'Not Found', statusCode: 404 });
}

export function serialise(reply: Reply): { payload: string; contentType: string } {
  if (reply.text !== undefined) {
    return { payload: reply.text, contentType: 'text/plain; charset=utf-8' };
  }
  if (reply.json === undefined) return { payload: '', contentType: 'application/json; charset=utf-8' };
  return { payload: JSON.stringify(reply.json), contentType: 'application/json; charset=utf-8' };
}

export function writeReply(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  const { payload, contentType } = serialise(reply);
  res.writeHead(reply.status, {
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(payload)),
    ...reply.headers,
  });
  res.end(payload);
}
