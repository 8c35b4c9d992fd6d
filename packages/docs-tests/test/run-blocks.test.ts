import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectDocBlocks, promisedOutput, where, writeBlocks } from './support/doc-blocks.js';
import { describeOutput, startProgram } from './support/program.js';
import { sandboxForDocs } from './support/sandbox-env.js';
import { expectServesAPayment } from './support/serve-a-payment.js';

// The runnable docs programs (```ts run, ```ts run server) run as a reader runs them: in a Node process of
// their own through tsx, against a fresh sandbox whose CLICKPESA_* variables they get. One at a time: CI
// machines have two cores.

const blocks = collectDocBlocks();
const written = writeBlocks(join(import.meta.dirname, '..', '.data', 'run'), blocks);
const located = (kind: 'script' | 'server') =>
  blocks
    .filter((block) => block.kind === kind)
    .map((block) => {
      const entry = written.get(block);
      if (!entry) throw new Error(`${where(block)} was not written`);
      return [where(block), block, entry] as const;
    });

describe('runnable docs programs', () => {
  it('exist', () => {
    expect(located('script').length).toBeGreaterThanOrEqual(3);
    expect(located('server').length).toBeGreaterThanOrEqual(3);
  });

  it.each(located('script'))(
    '%s runs to completion and prints what it promises',
    async (_label, block, entry) => {
      const { sandbox, env } = await sandboxForDocs();
      const program = startProgram(entry.file, { cwd: entry.dir, env });
      try {
        const exit = await program.exit(60_000);
        const output = describeOutput(exit.stdout, exit.stderr);
        expect(exit.code, output).toBe(0);
        for (const text of promisedOutput(block)) expect(exit.stdout, output).toContain(text);
      } finally {
        program.kill();
        await sandbox.close();
      }
    },
    90_000,
  );

  it.each(located('server'))(
    '%s serves the routes, takes a payment through the sandbox and stops on SIGTERM',
    async (_label, _block, entry) => {
      const { sandbox, env } = await sandboxForDocs();
      const program = startProgram(entry.file, { cwd: entry.dir, env: { ...env, PORT: '0' } });
      try {
        await expectServesAPayment(program, sandbox);
      } finally {
        program.kill();
        await sandbox.close();
      }
    },
    90_000,
  );
});
