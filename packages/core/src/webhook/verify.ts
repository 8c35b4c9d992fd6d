import { type ChecksumMethod, verifyChecksum } from '../shared/checksum.js';
import { type ParsedWebhook, parseWebhook } from './payload.js';

/** Headers searched for the webhook checksum, after the body's own `checksum` field. */
export const DEFAULT_WEBHOOK_CHECKSUM_HEADERS: readonly string[] = Object.freeze([
  'x-clickpesa-checksum',
  'checksum',
]);

export interface WebhookVerificationKeys {
  /** Your ClickPesa checksum key(s); several during key rotation. None: nothing is verified (or trusted). */
  checksumKey?: string | readonly string[];
  /** 'legacy' also accepts a webhook that says `checksumMethod: legacy`; otherwise only canonical ['canonical']. */
  checksumMethod?: ChecksumMethod;
  /** Lower-case header names searched for the checksum when the body has none [DEFAULT_WEBHOOK_CHECKSUM_HEADERS]. */
  checksumHeaders?: readonly string[];
}

export type WebhookHeaders = Record<string, string | string[] | undefined>;

export type WebhookVerification =
  /** `verified` is false only when no checksum key is configured. */
  | { ok: true; verified: boolean; webhook: ParsedWebhook }
  | { ok: false; reason: 'malformed' | 'missing_checksum' | 'bad_checksum'; message: string };

/**
 * Reads and verifies a ClickPesa webhook: parses the body once (raw bytes or text preferred; an already
 * parsed value works too, since the checksum covers the parsed JSON), then checks the checksum: first the
 * body's own top-level `checksum` (+ `checksumMethod`), then the configured headers. The legacy algorithm is
 * accepted only when `checksumMethod: 'legacy'` is configured. Never throws.
 */
export function verifyClickPesaWebhook(
  raw: unknown,
  headers: WebhookHeaders,
  keys: WebhookVerificationKeys = {},
): WebhookVerification {
  const parsed = parseWebhook(raw);
  if (!parsed.ok) return { ok: false, reason: 'malformed', message: parsed.message };
  const { webhook } = parsed;
  const checksumKeys = [keys.checksumKey ?? []]
    .flat()
    .filter((key): key is string => typeof key === 'string' && key.length > 0);
  if (checksumKeys.length === 0) return { ok: true, verified: false, webhook };

  const checksum =
    webhook.body.checksum !== undefined
      ? webhook.body.checksum
      : firstHeader(headers, keys.checksumHeaders ?? DEFAULT_WEBHOOK_CHECKSUM_HEADERS);
  if (checksum === undefined || checksum === null) {
    return { ok: false, reason: 'missing_checksum', message: 'missing checksum' };
  }
  const configured = keys.checksumMethod ?? 'canonical';
  const method = webhook.body.checksumMethod ?? configured;
  // never throws on odd input ("", short, non-hex, arrays): those are simply invalid
  const allowed = method === 'canonical' || (method === 'legacy' && configured === 'legacy');
  if (!allowed || !verifyChecksum(webhook.body, checksum, checksumKeys, method)) {
    return { ok: false, reason: 'bad_checksum', message: 'bad checksum' };
  }
  return { ok: true, verified: true, webhook };
}

/** The first configured header present; a repeated header (array) is kept as an array, which never verifies. */
function firstHeader(headers: WebhookHeaders, names: readonly string[]): unknown {
  for (const name of names) {
    const wanted = name.toLowerCase();
    for (const [key, value] of Object.entries(headers)) {
      if (key.toLowerCase() !== wanted || value === undefined) continue;
      return Array.isArray(value) && value.length === 1 ? value[0] : value;
    }
  }
  return undefined;
}
