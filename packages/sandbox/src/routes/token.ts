import { timingSafeEqual } from 'node:crypto';
import type { ApiRequest, SandboxContext } from '../context.js';
import { jsonReply, messageReply, type Reply } from '../reply.js';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** `POST /generate-token`: credentials in the `client-id` and `api-key` headers, no body. */
export function generateToken(ctx: SandboxContext, request: ApiRequest): Reply {
  const clientId = singleHeader(request.headers['client-id']);
  const apiKey = singleHeader(request.headers['api-key']);
  if (!clientId || !apiKey) return messageReply(401, 'Unauthorized');
  const { config } = ctx;
  if (!sameSecret(clientId, config.clientId) || !sameSecret(apiKey, config.apiKey)) {
    return messageReply(403, 'Invalid client details');
  }
  const token = ctx.tokens.issue(clientId, config.tokenTtlMs, config.tokenPrefix);
  return jsonReply(200, { success: true, token });
}
