import { verifyChecksum } from '../checksum.js';
import type { ApiRequest, SandboxContext } from '../context.js';
import { messageReply, nestBadRequest, type Reply } from '../reply.js';

/** 401 unless `Authorization` carries a live token exactly as ClickPesa expects it. */
export function requireToken(ctx: SandboxContext, request: ApiRequest): Reply | undefined {
  const header = request.headers.authorization;
  return ctx.tokens.isAuthorized(header) ? undefined : messageReply(401, 'Unauthorized');
}

/** With a checksum key configured, POST bodies must carry a valid `checksum` (canonical or legacy). */
export function requireChecksum(ctx: SandboxContext, body: Record<string, unknown>): Reply | undefined {
  const key = ctx.config.checksumKey;
  if (key === undefined) return undefined;
  if (body.checksum === undefined || body.checksum === null || body.checksum === '') {
    return messageReply(400, 'checksum is required');
  }
  return verifyChecksum(key, body) ? undefined : nestBadRequest(['Invalid checksum']);
}
