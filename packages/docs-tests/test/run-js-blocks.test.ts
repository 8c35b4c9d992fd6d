import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectDocBlocks, type DocBlock, where } from './support/doc-blocks.js';
import { startProgram } from './support/program.js';
import { sandboxForDocs } from './support/sandbox-env.js';
import { expectServesAPayment } from './support/serve-a-payment.js';

// The plain-JavaScript variants run the way a new user runs them: a fresh `npm init -y` project (CommonJS
// by default; `js run server` blocks set `"type": "module"` as their section says), plain `node`, and the
// packages' built dist/. The packages are linked into the scratch node_modules (no registry, no install),
// so a run takes seconds.

const blocks = collectDocBlocks();
const servers = blocks.filter((block) => block.kind === 'js-server');
const modules = blocks.filter((block) => block.kind === 'js-module');
const scratchRoot = join(import.meta.dirname, '..', '.data', 'js');
const ownModules = join(import.meta.dirname, '..', 'node_modules');
const built = existsSync(join(ownModules, '@clickpesa-kit', 'core', 'dist', 'index.cjs'));

// The root `pnpm test` builds before vitest runs; a local run without dist says so instead of failing.
if (!built && !process.env.CI) {
  console.warn(
    'plain-JavaScript docs skipped: run `pnpm --filter "./packages/*" build` first (dist/ is missing)',
  );
}

/** The bare package names a program imports or requires ("@scope/name", "name"). */
function importedPackages(code: string): string[] {
  const specifiers = [...code.matchAll(/(?:from\s+|require\()\s*['"]([^'"./][^'"]*)['"]/g)].map(
    (m) => m[1] ?? '',
  );
  const names = specifiers
    .filter((specifier) => !specifier.startsWith('node:'))
    .map((specifier) =>
      specifier
        .split('/')
        .slice(0, specifier.startsWith('@') ? 2 : 1)
        .join('/'),
    );
  return [...new Set(names)];
}

/** `npm init -y` in a fresh directory, the block as its entry file, its packages linked into node_modules. */
function scratchProject(block: DocBlock): { dir: string; file: string } {
  const dir = join(scratchRoot, `${basename(block.file, '.md')}-${block.line}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('npm', ['init', '-y'], { cwd: dir, stdio: 'ignore' });
  if (block.lang === 'js') execFileSync('npm', ['pkg', 'set', 'type=module'], { cwd: dir, stdio: 'ignore' });
  for (const name of importedPackages(block.code)) {
    // this package's own dependency folder (pnpm links each one there), whatever the package's exports allow
    const link = join(dir, 'node_modules', name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(realpathSync(join(ownModules, name)), link, 'dir');
  }
  const file = join(dir, 'server.js');
  writeFileSync(file, block.code);
  return { dir, file };
}

describe('plain-JavaScript docs programs', () => {
  it('exist for every server in the getting-started guide', () => {
    const guide = (kind: string) =>
      blocks.filter((b) => b.file.endsWith('getting-started.md') && b.kind === kind);
    expect(guide('js-server').length).toBe(guide('server').length);
  });

  it.each(modules.map((block) => [where(block), block] as const))(
    '%s is valid JavaScript',
    (_label, block) => {
      const file = join(scratchRoot, `${basename(block.file, '.md')}-${block.line}.mjs`);
      mkdirSync(scratchRoot, { recursive: true });
      writeFileSync(file, block.code);
      expect(() => execFileSync(process.execPath, ['--check', file], { stdio: 'pipe' })).not.toThrow();
    },
  );

  it.skipIf(!built && !process.env.CI).each(servers.map((block) => [where(block), block] as const))(
    '%s runs with plain node in an `npm init -y` project and takes a payment',
    async (_label, block) => {
      const { dir, file } = scratchProject(block);
      const { sandbox, env } = await sandboxForDocs();
      const program = startProgram(file, { cwd: dir, env: { ...env, PORT: '0' }, plainNode: true });
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
