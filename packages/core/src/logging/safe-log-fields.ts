import { maskPhone, SecretRedactor } from '../shared/redact.js';

/**
 * Phone numbers written into free text (an error message, a provider's description): Tanzanian numbers in
 * international (255…) or national (0…) form. Fields named like phone numbers are masked by the redactor.
 */
const PHONE_IN_TEXT = /(?<!\d)(?:\+?255|0)[67]\d{8}(?!\d)/g;

/**
 * The last check on everything the kit logs: secret fields and configured secret values replaced, phone
 * numbers masked (by field name and inside text). Host loggers get only what passed through here.
 */
export class SafeLogFields {
  readonly #redactor: SecretRedactor;

  constructor(secrets: readonly (string | undefined)[]) {
    this.#redactor = new SecretRedactor(secrets);
  }

  fields(fields: Record<string, unknown>): Record<string, unknown> {
    return this.#maskPhones(this.#redactor.redact(fields)) as Record<string, unknown>;
  }

  message(message: string | undefined): string | undefined {
    return message === undefined ? undefined : this.#maskText(this.#redactor.scrub(message));
  }

  #maskText(text: string): string {
    return text.replace(PHONE_IN_TEXT, (phone) => maskPhone(phone));
  }

  #maskPhones(value: unknown): unknown {
    if (typeof value === 'string') return this.#maskText(value);
    if (Array.isArray(value)) return value.map((item) => this.#maskPhones(item));
    if (value === null || typeof value !== 'object') return value;
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = this.#maskPhones(item);
    return copy;
  }
}
