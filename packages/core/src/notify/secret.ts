import { ClickPesaKitError } from '../errors.js';

/** Standard Webhooks secrets are `whsec_` + base64 of 24–64 random bytes (WH-15). */
export const CALLBACK_SECRET_PREFIX = 'whsec_';
export const MIN_CALLBACK_SECRET_BYTES = 24;
export const MAX_CALLBACK_SECRET_BYTES = 64;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The HMAC key behind a `whsec_` secret. A malformed secret is a startup error that names `optionName`
 * and never echoes the value.
 */
export function parseCallbackSecret(secret: unknown, optionName = 'callbackSecret'): Buffer {
  const problem = `${optionName} must be "${CALLBACK_SECRET_PREFIX}" followed by the base64 of ${MIN_CALLBACK_SECRET_BYTES}–${MAX_CALLBACK_SECRET_BYTES} random bytes`;
  if (typeof secret !== 'string' || !secret.startsWith(CALLBACK_SECRET_PREFIX)) throw configError(problem);
  const encoded = secret.slice(CALLBACK_SECRET_PREFIX.length);
  if (encoded === '' || !BASE64.test(encoded)) throw configError(problem);
  const key = Buffer.from(encoded, 'base64');
  if (key.length < MIN_CALLBACK_SECRET_BYTES || key.length > MAX_CALLBACK_SECRET_BYTES) {
    throw configError(problem);
  }
  return key;
}

function configError(message: string): ClickPesaKitError {
  return new ClickPesaKitError('CONFIG_INVALID', { message });
}
