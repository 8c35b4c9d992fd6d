/**
 * What every adapter benchmark target shares: the kit's options (memory store, poller off, sandbox in-process,
 * bearer-token `authenticate`) and one final payment to read.
 */
import { createMemoryStore, type PaymentRecord, type PaymentService } from '@clickpesa-kit/core';
import { type Sandbox, startSandbox } from '@clickpesa-kit/sandbox';

export const BENCH_TOKEN = 'bench-token';
export const OWNER = 'bench-owner';

/** The host's auth check, the same one the bare route makes: a bearer token mapped to the owner. */
export function ownerOf(authorization: string | undefined): string | null {
  return authorization === `Bearer ${BENCH_TOKEN}` ? OWNER : null;
}

export function kitOptions(sandbox: Sandbox) {
  return {
    store: createMemoryStore(),
    clickpesa: { clientId: sandbox.clientId, apiKey: sandbox.apiKey, baseUrl: sandbox.url },
    poller: false as const,
    budget: false as const,
    rateLimits: false as const,
    // Lets the setup's own status read reach ClickPesa right after the push (the payment is final after it).
    statusRefreshMs: 0,
    authenticate: (raw: unknown) => {
      const headers = (raw as { headers: Record<string, string | undefined> }).headers;
      const id = ownerOf(headers.authorization);
      return id === null ? null : { id };
    },
  };
}

export async function startBenchSandbox(): Promise<Sandbox> {
  return startSandbox({ approveDelayMs: 3_600_000 });
}

/** A final payment, so the status route answers from the store (no upstream call) like the bare route. */
export async function finalPayment(
  service: Pick<PaymentService, 'initiate' | 'refreshStatus'>,
  sandbox: Sandbox,
): Promise<PaymentRecord> {
  const { payment } = await service.initiate(OWNER, {
    amount: 1500,
    currency: 'TZS',
    msisdn: '255741000001',
  });
  sandbox.approve(payment.orderReference);
  const { payment: done } = await service.refreshStatus(OWNER, payment.id);
  if (done.status !== 'success') throw new Error(`bench payment is ${done.status}, expected success`);
  return done;
}
