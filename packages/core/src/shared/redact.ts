/**
 * The one secret redactor. It keeps secrets and phone numbers out of everything the toolkit reports: events,
 * log lines, audit rows and error messages (`redact`), and it is the last check on every HTTP response
 * (`withoutSecrets`). Two layers: known secret fields are replaced by key, and every string is scrubbed of
 * the configured secret values (API key, checksum key, client id, issued tokens), in case a provider or a
 * store echoes one back.
 */

/** What a secret is replaced with, everywhere (uppercase so it stands out in logs and responses). */
export const REDACTED = '[REDACTED]';

/**
 * Shorter values are not treated as secrets: they would scrub innocent text. Real credentials are far
 * longer; 4 (not more) so that a short test or development key is still never echoed back.
 */
const MIN_SECRET_LENGTH = 4;

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
  #shortest = Number.POSITIVE_INFINITY;

  constructor(secrets: readonly (string | undefined)[] = []) {
    for (const secret of secrets) this.addSecret(secret);
  }

  /** Registers a value that must never be reported (e.g. a freshly issued token). */
  addSecret(secret: string | undefined): void {
    if (!secret) return;
    const bare = secret.replace(/^bearer\s+/i, '').trim();
    if (bare.length >= MIN_SECRET_LENGTH) {
      this.#secrets.add(bare);
      this.#shortest = Math.min(this.#shortest, bare.length);
    }
  }

  /**
   * The registered secrets replaced in every string of a JSON-like value; nothing else is touched. Runs on
   * every response, so it first only looks: a value with no secret in it is returned as is (the same
   * object), and only one that has one is copied.
   */
  withoutSecrets(value: unknown): unknown {
    if (this.#secrets.size === 0 || !this.#contains(value)) return value;
    return this.#replacedCopy(value);
  }

  #contains(value: unknown): boolean {
    if (typeof value === 'string') return this.#hasSecret(value);
    if (typeof value !== 'object' || value === null) return false;
    if (Array.isArray(value)) return value.some((item) => this.#contains(item));
    // inherited keys are looked at too: a false alarm only costs the copy, which takes own keys only
    for (const key in value) {
      const item = (value as Record<string, unknown>)[key];
      // recursing only into objects: a call per field would be most of the cost
      if (typeof item === 'string') {
        if (this.#hasSecret(item)) return true;
      } else if (typeof item === 'object' && item !== null && this.#contains(item)) {
        return true;
      }
    }
    return false;
  }

  #hasSecret(text: string): boolean {
    // strings shorter than every secret cannot hold one: most of a payment's fields are skipped at once
    if (text.length < this.#shortest) return false;
    for (const secret of this.#secrets) if (text.includes(secret)) return true;
    return false;
  }

  #replacedCopy(value: unknown): unknown {
    if (typeof value === 'string') return this.#replace(value);
    if (Array.isArray(value)) return value.map((item) => this.#replacedCopy(item));
    if (value !== null && typeof value === 'object') {
      const copy: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) copy[key] = this.#replacedCopy(item);
      return copy;
    }
    return value;
  }

  #replace(text: string): string {
    let result = text;
    for (const secret of this.#secrets) {
      if (result.includes(secret)) result = result.split(secret).join(REDACTED);
    }
    return result;
  }

  /** Replaces every occurrence of a registered secret and truncates very long strings. */
  scrub(text: string): string {
    const result = this.#replace(text);
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

/** `withoutSecrets` of a redactor over `secrets`, as a function (the route handler's last step). */
export function createSecretRedactor(secrets: readonly string[]): (value: unknown) => unknown {
  const redactor = new SecretRedactor(secrets);
  return (value) => redactor.withoutSecrets(value);
}
