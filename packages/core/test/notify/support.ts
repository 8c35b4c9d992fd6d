import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { PaymentRecord, PaymentStatus } from '../../src/domain/payment.js';
import type { PaymentEventOf } from '../../src/events.js';
import { payment } from '../domain/transition-fixtures.js';

/** A fresh Standard Webhooks secret of `bytes` random bytes. */
export function newSecret(bytes = 32): string {
  return `whsec_${randomBytes(bytes).toString('base64')}`;
}

/**
 * A verifier written from the Standard Webhooks spec, independent of the code under test: WebCrypto instead
 * of node:crypto's createHmac, and every space-separated `v1,` signature is tried.
 */
export async function verifiesIndependently(
  secret: string,
  headers: IncomingHttpHeaders,
  body: string,
): Promise<boolean> {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false;
  const keyBytes = Uint8Array.from(atob(secret.replace(/^whsec_/, '')), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'verify',
  ]);
  const signed = new TextEncoder().encode(`${id}.${timestamp}.${body}`);
  for (const entry of signatures.split(' ')) {
    const [version, value] = entry.split(',');
    if (version !== 'v1' || !value) continue;
    const signature = Uint8Array.from(atob(value), (c) => c.charCodeAt(0));
    if (await crypto.subtle.verify('HMAC', key, signature, signed)) return true;
  }
  return false;
}

/** A `payment.status_changed` event as the service emits it, for a payment with `callbackUrl`. */
export function statusChanged(
  callbackUrl: string | null,
  to: PaymentStatus,
  overrides: Partial<PaymentRecord> = {},
): PaymentEventOf<'payment.status_changed'> {
  const record = payment({ status: to, callbackUrl, ...overrides });
  return {
    id: randomUUID(),
    type: 'payment.status_changed',
    occurredAt: new Date('2026-01-05T10:00:05.000Z'),
    paymentId: record.id,
    seq: 2,
    payment: record,
    from: 'pending',
    to,
    source: 'initiate',
  };
}

export interface CapturedLog {
  level: string;
  msg: string | undefined;
  fields: Record<string, unknown>;
}

export function capturingLogger(into: CapturedLog[]) {
  const write = (level: string) => (fields: Record<string, unknown>, msg?: string) => {
    into.push({ level, msg, fields });
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
