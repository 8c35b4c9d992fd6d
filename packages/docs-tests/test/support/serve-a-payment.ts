import type { Sandbox } from '@clickpesa-kit/sandbox';
import { expect } from 'vitest';
import { describeOutput, type RunningProgram } from './program.js';
import { payThroughApi } from './sandbox-env.js';

/**
 * What every docs server must do: print its API URL, take a payment through the sandbox (push, webhook,
 * success) and exit 0 on SIGTERM.
 */
export async function expectServesAPayment(program: RunningProgram, sandbox: Sandbox): Promise<void> {
  const [apiBase = ''] = await program.waitFor(/http:\/\/127\.0\.0\.1:\d+\/\S*[^\s./]/, 30_000);
  // what `clickpesa-sandbox --webhook-url .../callback` does
  sandbox.configure({ webhookUrl: `${apiBase}/callback` });

  const { created, final } = await payThroughApi(apiBase);

  const { stdout, stderr } = program.output();
  expect(created.status, describeOutput(stdout, stderr)).toBe('processing');
  expect(final?.status).toBe('success');
  expect(final?.transaction_id).toBe(created.transaction_id);
  expect(sandbox.count('initiate', created.reference)).toBe(1);
  await sandbox.webhooksIdle();
  expect(sandbox.webhooks.map((delivery) => delivery.status)).toEqual([200]);

  const exit = await program.stop('SIGTERM', 15_000);
  expect(exit.code, describeOutput(exit.stdout, exit.stderr)).toBe(0);
}
