import { describe, expect, inject, it } from 'vitest';
import { concurrencyLimit } from './support/limit.js';
import { installScratchApp, type ScratchAppSpec } from './support/scratch-app.js';
import { takeSandboxPayment } from './support/take-payment.js';

const nodeMajor = process.versions.node.split('.')[0];
const sandbox = '@clickpesa-kit/sandbox';
const core = '@clickpesa-kit/core';

// The TypeScript app comes first: better-sqlite3 may compile from source there, the longest install.
// It leaves out the Koa adapter: @types/koa 3 does not type-check (skipLibCheck off) next to Express 5,
// whose content-disposition 2 ships its own types without the `Options` @types/koa expects.
const apps: ScratchAppSpec[] = [
  {
    name: 'esm-ts',
    entry: 'build/server.js',
    typescript: true,
    packages: [
      '@clickpesa-kit/client',
      core,
      '@clickpesa-kit/express',
      '@clickpesa-kit/fastify',
      sandbox,
      '@clickpesa-kit/store-postgres',
      '@clickpesa-kit/store-sqlite',
      '@clickpesa-kit/store-tests',
    ],
    registry: [
      'express@^5',
      'fastify@^5',
      '@types/express@^5',
      'typescript@5.9',
      `@types/node@^${nodeMajor}`,
    ],
  },
  {
    name: 'cjs',
    entry: 'server.cjs',
    packages: [core, '@clickpesa-kit/koa', sandbox],
    registry: ['koa@^2'],
  },
  {
    name: 'express4',
    source: 'express',
    entry: 'server.mjs',
    packages: [core, '@clickpesa-kit/express', sandbox],
    registry: ['express@^4'],
  },
  {
    name: 'express5',
    source: 'express',
    entry: 'server.mjs',
    packages: [core, '@clickpesa-kit/express', sandbox],
    registry: ['express@^5'],
  },
  {
    name: 'fastify',
    entry: 'server.mjs',
    packages: [core, '@clickpesa-kit/fastify', sandbox],
    registry: ['fastify@^5'],
  },
  { name: 'koa', entry: 'server.mjs', packages: [core, '@clickpesa-kit/koa', sandbox], registry: ['koa@^3'] },
];

const scratchRoot = inject('scratchRoot');
const tarballs = inject('tarballs');
// npm installs share one cache; three at a time keeps a small machine responsive.
const limited = concurrencyLimit(3);

describe.concurrent('packed packages installed with npm outside the workspace', () => {
  it.each(apps)('$name app takes a sandbox payment to success', { timeout: 900_000 }, async (spec) => {
    const appDir = await limited(() => installScratchApp(spec, scratchRoot, tarballs));
    const outcome = await takeSandboxPayment(appDir, spec.entry);
    expect(outcome).toEqual({ status: 'success', pushes: 1, webhooksAccepted: 1 });
  });
});
