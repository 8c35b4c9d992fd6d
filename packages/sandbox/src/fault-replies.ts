import { STATUS_CODES } from 'node:http';
import { type Reply, serialise } from './reply.js';
import type { FaultSpec } from './types.js';

type StatusFault = Extract<FaultSpec, { kind: 'status' }>;
type BadBodyKind = 'malformed' | 'truncated' | 'empty' | 'html';

/** The answer a `status` fault sends instead of processing the call. */
export function statusFaultReply(fault: StatusFault): Reply {
  const { status, body, headers } = fault;
  if (body === undefined) return { status, json: { message: STATUS_CODES[status] ?? 'Error' }, headers };
  if (typeof body !== 'string') return { status, json: body, headers };
  const contentType = body.trimStart().startsWith('<')
    ? 'text/html; charset=utf-8'
    : 'text/plain; charset=utf-8';
  return { status, text: body, headers: { 'content-type': contentType, ...headers } };
}

const HTML_ERROR_PAGE =
  '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>' +
  '<body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center></body></html>';

/** A 200 whose body a client cannot use; `truncateAt` means "send this many bytes, then cut the line". */
export interface BadBody {
  status: 200;
  headers: Record<string, string>;
  payload: string;
  truncateAt?: number;
}

/** Replaces the real answer (already computed: the call WAS processed) with a broken 200. */
export function badBodyReply(kind: BadBodyKind, processed: Reply): BadBody {
  const json = { 'content-type': 'application/json; charset=utf-8' };
  const real = serialise(processed).payload;
  switch (kind) {
    case 'malformed':
      // The real JSON with its closing bracket swapped for a comma: parsers fail, humans recognise it.
      return { status: 200, headers: json, payload: `${real.slice(0, -1)},` };
    case 'truncated':
      return {
        status: 200,
        headers: json,
        payload: real,
        truncateAt: Math.floor(Buffer.byteLength(real) / 2),
      };
    case 'empty':
      return { status: 200, headers: json, payload: '' };
    case 'html':
      return {
        status: 200,
        headers: { 'content-type': 'text/html; charset=utf-8' },
        payload: HTML_ERROR_PAGE,
      };
  }
}
