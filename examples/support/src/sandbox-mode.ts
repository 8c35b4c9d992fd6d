import { randomBytes } from 'node:crypto';
import type { ClickPesaClientOptions } from '@clickpesa-kit/core';
import { type Sandbox, startSandbox } from '@clickpesa-kit/sandbox';

export interface SandboxMode {
  readonly sandbox: Sandbox;
  /** The kit's ClickPesa settings: the sandbox's URL and demo credentials, never the environment's. */
  readonly clickpesa: ClickPesaClientOptions;
}

/**
 * The in-process fake of ClickPesa used when no credentials are set. It signs its webhooks with a key made up
 * for this run, so the webhook route verifies checksums exactly as it would against ClickPesa.
 */
export async function startSandboxMode(options: { approveDelayMs: number }): Promise<SandboxMode> {
  const checksumKey = randomBytes(24).toString('hex');
  const sandbox = await startSandbox({
    host: '127.0.0.1',
    port: 0,
    checksumKey,
    approveDelayMs: options.approveDelayMs,
    merchantName: 'Duka la Mfano',
  });
  return {
    sandbox,
    clickpesa: {
      baseUrl: sandbox.url,
      clientId: sandbox.clientId,
      apiKey: sandbox.apiKey,
      checksumKey,
      // nothing from the environment: a stray CLICKPESA_CHECKSUM_KEY must not change the sandbox's setup
      env: {},
    },
  };
}

/** The banner nobody can miss: this run moves no money. */
export function sandboxBanner(sandbox: Sandbox): string {
  const rule = '='.repeat(72);
  return [
    rule,
    '  SANDBOX MODE: no real money',
    '  ClickPesa is simulated in this process (no CLICKPESA_CLIENT_ID / CLICKPESA_API_KEY set).',
    `  Simulated phone (approve or reject prompts): ${sandbox.phoneUrl}`,
    '  Last digit of the phone number: 0-4 approve (or press Approve), 5 reject, 6 insufficient balance,',
    '  7 waits for you on the phone, 8 approve without webhook, 9 invalid number.',
    rule,
  ].join('\n');
}
