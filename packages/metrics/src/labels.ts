import type { ProviderResponseEvent, WebhookEvent } from '@clickpesa-kit/core';

/**
 * Every label value comes from a short fixed list: ids, phone numbers and order references never become
 * labels (each would make a new time series per payment).
 */

/** `2xx`, `4xx`, `5xx`, or `network` when no HTTP answer came back (timeout, reset, DNS). */
export function statusClass(status: number | null): string {
  if (status === null || !Number.isInteger(status) || status < 100 || status > 599) return 'network';
  return `${Math.floor(status / 100)}xx`;
}

/** What a push call did: ClickPesa took it, refused it (4xx), or it failed / its outcome is unknown. */
export function pushResult(event: ProviderResponseEvent): 'accepted' | 'rejected' | 'failed' {
  if (event.status !== null && event.status >= 200 && event.status < 300) return 'accepted';
  if (event.status !== null && event.status >= 400 && event.status < 500 && event.status !== 429)
    return 'rejected';
  return 'failed';
}

/** A received webhook's verification result: the first that applies. */
export function webhookResult(event: WebhookEvent): 'duplicate' | 'orphan' | 'verified' | 'unverified' {
  if (event.duplicate) return 'duplicate';
  if (event.orphan) return 'orphan';
  return event.verified ? 'verified' : 'unverified';
}
