import type { ErrorCode, ErrorDetail } from '../errors.js';
import type { WebhookRejectedEvent } from '../events.js';
import { assertSafeJsonValue, parseJsonSafely, UnsafeJsonError } from '../shared/safe-json.js';
import type { HandlerRequest } from './types.js';

export type JsonBody =
  | { kind: 'empty' }
  /** `text`: the JSON source when the toolkit parsed it (not when a host parser did). */
  | { kind: 'json'; value: unknown; text?: string }
  | {
      kind: 'rejected';
      code: Extract<
        ErrorCode,
        'PAYLOAD_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE' | 'MALFORMED_JSON' | 'VALIDATION_ERROR'
      >;
      message?: string;
      details?: ErrorDetail[];
      /** The same rejection in the vocabulary of the `webhook.rejected` event. */
      reason: WebhookRejectedEvent['reason'];
    };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a JSON request body in this order: the bytes (`rawBody`) when the
 * adapter has them, else what the host's parser produced. Enforces the size limit (413), the media type
 * (415), well-formed JSON (400) and the prototype-poisoning and depth rules of SEC-9 (400).
 */
export function readJsonBody(request: HandlerRequest, bodyLimit: number): JsonBody {
  if (request.bodyTooLarge || declaredLength(request.headers) > bodyLimit) return tooLarge();

  const { rawBody } = request;
  if (rawBody !== undefined) {
    const size = typeof rawBody === 'string' ? Buffer.byteLength(rawBody) : rawBody.length;
    if (size > bodyLimit) return tooLarge();
    if (size === 0) return { kind: 'empty' };
    if (!isJsonContentType(header(request.headers, 'content-type'))) return unsupportedMediaType();
    let text: string;
    try {
      text = typeof rawBody === 'string' ? rawBody : utf8.decode(rawBody);
    } catch {
      return malformed();
    }
    return parseText(text);
  }

  const { body } = request;
  if (body === undefined || body === null) return { kind: 'empty' };
  // Hosts whose JSON parser did not run often leave `{}` behind; that is no body unless the request says so.
  if (isEmptyPlainObject(body) && !declaresBody(request.headers)) return { kind: 'empty' };
  if (!isJsonContentType(header(request.headers, 'content-type'))) return unsupportedMediaType();
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
    if (Buffer.byteLength(text) > bodyLimit) return tooLarge();
    return parseText(text);
  }
  try {
    assertSafeJsonValue(body);
  } catch (error) {
    return unsafe(error);
  }
  return { kind: 'json', value: body };
}

/** `application/json` or `application/<anything>+json`, with an optional UTF-8 charset. */
export function isJsonContentType(value: string | undefined): boolean {
  if (!value) return false;
  const [mediaType = '', ...parameters] = value.split(';');
  const type = mediaType.trim().toLowerCase();
  if (type !== 'application/json' && !/^application\/[a-z0-9!#$&^_.-]+\+json$/.test(type)) return false;
  for (const parameter of parameters) {
    const [name = '', rawValue = ''] = parameter.split('=');
    if (name.trim().toLowerCase() !== 'charset') continue;
    const charset = rawValue.trim().replace(/^"|"$/g, '').toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') return false;
  }
  return true;
}

/** A single header value (the first when a header was repeated). */
export function header(headers: HandlerRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseText(text: string): JsonBody {
  if (text.trim() === '') return { kind: 'empty' };
  try {
    return { kind: 'json', value: parseJsonSafely(text), text };
  } catch (error) {
    return unsafe(error);
  }
}

function unsafe(error: unknown): JsonBody {
  if (error instanceof UnsafeJsonError && error.problem !== 'malformed') {
    return {
      kind: 'rejected',
      code: 'VALIDATION_ERROR',
      message: error.message,
      details: [{ field: 'body', message: error.message }],
      reason: 'malformed',
    };
  }
  return malformed();
}

function malformed(): JsonBody {
  return { kind: 'rejected', code: 'MALFORMED_JSON', reason: 'malformed' };
}

function tooLarge(): JsonBody {
  return { kind: 'rejected', code: 'PAYLOAD_TOO_LARGE', reason: 'too_large' };
}

function unsupportedMediaType(): JsonBody {
  return { kind: 'rejected', code: 'UNSUPPORTED_MEDIA_TYPE', reason: 'unsupported_media_type' };
}

function declaredLength(headers: HandlerRequest['headers']): number {
  const value = Number(header(headers, 'content-length'));
  return Number.isFinite(value) ? value : 0;
}

function declaresBody(headers: HandlerRequest['headers']): boolean {
  return declaredLength(headers) > 0 || header(headers, 'transfer-encoding') !== undefined;
}

function isEmptyPlainObject(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    [Object.prototype, null].includes(Object.getPrototypeOf(value)) &&
    Object.keys(value).length === 0
  );
}
