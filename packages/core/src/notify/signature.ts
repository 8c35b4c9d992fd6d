import { createHmac } from 'node:crypto';

/** The three Standard Webhooks headers of one send. */
export interface StandardWebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Signs `${id}.${timestamp}.${body}` with HMAC-SHA256 (Standard Webhooks v1). The id stays the same on every
 * retry of one event; the timestamp is the send time in unix seconds, so each retry carries a fresh signature.
 */
export function signStandardWebhook(input: {
  id: string;
  timestampSeconds: number;
  body: string;
  key: Buffer;
}): StandardWebhookHeaders {
  const timestamp = String(input.timestampSeconds);
  const signature = createHmac('sha256', input.key)
    .update(`${input.id}.${timestamp}.${input.body}`, 'utf8')
    .digest('base64');
  return {
    'webhook-id': input.id,
    'webhook-timestamp': timestamp,
    'webhook-signature': `v1,${signature}`,
  };
}
