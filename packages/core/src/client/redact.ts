/**
 * Keeps secrets and phone numbers out of everything the client reports (reliability.md SEC-11): events,
 * log lines and error messages. Two layers: known secret fields are replaced by key, and every string is
 * scrubbed of the configured secret values (API key, checksum key, client id, issued tokens), in case a
 * provider echoes one back.
 */

export const REDACTED = '[REDACTED]';

const SECRET_FIELDS: ReadonlySet<string> = new Set([
  'token',
  'authorization',
  'apikey',
  'api-key',
  'api_key',
  'checksumkey',
  'client-id',
  'clientid',
  'client_id',
  'secret',
  'password',
]);

const PHONE_FIELDS: ReadonlySet<string> = new Set([
  'phonenumber',
  'paymentphonenumber',
  'customerphonenumber',
  'accountnumber',
  'msisdn',
  'phone',
]);

const MAX_DEPTH = 8;
const MAX_STRING = 500;

/** `255712345678` → `2557****678`: enough to tell numbers apart in logs, not enough to dial. */
export function maskPhone(value: string): string {
  const digits = value.replace(/\D/g, '');
  if (digits.length < 8) return '****';
  return `${digits.slice(0, 4)}****${digits.slice(-3)}`;
}

export class SecretRedactor {
  readonly #secrets = new Set<string>();

  constructor(secrets: readonly (string | undefined)[] = []) {
    for (const secret of secrets) this.addSecret(secret);
  }

  /** Registers a value that must never be reported (e.g. a freshly issued token). */
  addSecret(secret: string | undefined): void {
    if (!secret) return;
    const bare = secret.replace(/^bearer\s+/i, '').trim();
    // very short values would scrub innocent text; credentials are never that short
    if (bare.length >= 6) this.#secrets.add(bare);
  }

  /** Replaces every occurrence of a registered secret and truncates very long strings. */
  scrub(text: string): string {
    let result = text;
    for (const secret of this.#secrets) {
      if (result.includes(secret)) result = result.split(secret).join(REDACTED);
    }
    return result.length > MAX_STRING ? `${result.slice(0, MAX_STRING)}…` : result;
  }

  /** A redacted deep copy of a JSON-like value, safe to put in an event or a log line. */
  redact(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.scrub(value);
    if (value === null || typeof value !== 'object') return value;
    if (depth >= MAX_DEPTH) return '[…]';
    if (Array.isArray(value)) return value.map((item) => this.redact(item, depth + 1));

    const copy: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const lower = key.toLowerCase();
      if (SECRET_FIELDS.has(lower)) copy[key] = REDACTED;
      else if (lower === 'checksum')
        copy[key] = typeof child === 'string' ? `${child.slice(0, 8)}…` : REDACTED;
      else if (PHONE_FIELDS.has(lower) && (typeof child === 'string' || typeof child === 'number')) {
        copy[key] = maskPhone(String(child));
      } else copy[key] = this.redact(child, depth + 1);
    }
    return copy;
  }
}
