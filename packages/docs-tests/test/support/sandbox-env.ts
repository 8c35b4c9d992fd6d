import { createPaymentsClient, type Payment } from '@clickpesa-kit/client';
import { type Sandbox, startSandbox } from '@clickpesa-kit/sandbox';

/** A fresh sandbox whose customers answer quickly, and the variables a reader would export to use it. */
export async function sandboxForDocs(): Promise<{ sandbox: Sandbox; env: Record<string, string> }> {
  const sandbox = await startSandbox({ approveDelayMs: 100 });
  return {
    sandbox,
    env: {
      CLICKPESA_BASE_URL: sandbox.url,
      CLICKPESA_CLIENT_ID: sandbox.clientId,
      CLICKPESA_API_KEY: sandbox.apiKey,
    },
  };
}

/**
 * What the getting-started guide tells the reader to try: pay 1000 TZS from a number the sandbox approves
 * (last digit 1), as user `alice-token`, and follow the status route until the payment is final.
 */
export async function payThroughApi(apiBase: string): Promise<{ created: Payment; final: Payment | null }> {
  const payments = createPaymentsClient({ baseUrl: apiBase, token: 'alice-token' });
  const { payment: created } = await payments.initiatePayment({ amount: 1000, msisdn: '0712345671' });
  const result = await payments.waitForPayment(created.id, {
    initialDelayMs: 200,
    intervalMs: 250,
    maxAttempts: 60,
  });
  return { created, final: result.payment };
}
