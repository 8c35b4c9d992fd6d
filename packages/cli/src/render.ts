import type { PaymentRecord } from '@clickpesa-kit/core';

/** 255712345678 → 2557******78: the CLI's output may be pasted into tickets and chats. */
export function maskMsisdn(msisdn: string): string {
  if (msisdn.length <= 6) return '*'.repeat(msisdn.length);
  return `${msisdn.slice(0, 4)}${'*'.repeat(msisdn.length - 6)}${msisdn.slice(-2)}`;
}

export function iso(date: Date | null | undefined): string {
  return date ? date.toISOString() : '-';
}

/** A payment for `--json`: ISO dates, the phone number masked, ClickPesa's raw record left out. */
export function paymentJson(payment: PaymentRecord): Record<string, unknown> {
  const { providerStatus: _raw, msisdn, ...fields } = payment;
  const json: Record<string, unknown> = { ...fields, msisdn: maskMsisdn(msisdn) };
  for (const [key, value] of Object.entries(json)) if (value instanceof Date) json[key] = value.toISOString();
  return json;
}

/** JSON for scripts: two-space indented, dates as ISO strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
