import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ADAPTERS = ['express', 'fastify', 'koa', 'fetch'] as const;
const packagesDir = fileURLToPath(new URL('../../', import.meta.url));
const built = ADAPTERS.every((name) => existsSync(`${packagesDir}${name}/dist/index.cjs`));
const fixture = fileURLToPath(new URL('./fixtures/require-adapters.cjs', import.meta.url));

// The root `pnpm test` builds before vitest runs; a local run without dist says so instead of failing.
if (!built && !process.env.CI) {
  console.warn(
    'commonjs smoke test skipped: run `pnpm --filter "./packages/*" build` first (dist/ is missing)',
  );
}

describe.skipIf(!built && !process.env.CI)('CommonJS hosts', () => {
  it('require() of each built adapter returns clickpesaPayments from dist/index.cjs', () => {
    const output = execFileSync(process.execPath, [fixture], { encoding: 'utf8', cwd: packagesDir });
    const report = JSON.parse(output) as Record<string, { clickpesaPayments: string; file: string }>;
    for (const name of ADAPTERS) {
      const entry = report[`@clickpesa-kit/${name}`];
      expect(entry?.clickpesaPayments).toBe('function');
      expect(entry?.file).toMatch(new RegExp(`${name}[\\\\/]dist[\\\\/]index\\.cjs$`));
    }
  });
});
