import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/markdown.js';

// CI must run what the README tells a new user to run: .ci/run reads the command out of README.md
// through tools/readme-commands.mjs, and that script fails when the two commands drift.

const script = join(REPO_ROOT, 'tools', 'readme-commands.mjs');
const ciRun = readFileSync(join(REPO_ROOT, '.ci', 'run'), 'utf8');
const pnpmVersion = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).packageManager.replace(
  /^pnpm@/,
  '',
);
const scratch = mkdtempSync(join(tmpdir(), 'cpk-readme-commands-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function commands(root: string, which: string) {
  return spawnSync(process.execPath, [script, which, '--root', root], { encoding: 'utf8' });
}

/** A copy of README.md and package.json, with `edit` applied to the README. */
function repoWithReadme(edit: (readme: string) => string): string {
  const dir = mkdtempSync(join(scratch, 'repo-'));
  cpSync(join(REPO_ROOT, 'package.json'), join(dir, 'package.json'));
  writeFileSync(join(dir, 'README.md'), edit(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')));
  return dir;
}

describe("the README's two commands", () => {
  it('are the pnpm version of package.json followed by install and start / test', () => {
    expect(pnpmVersion).toMatch(/^10\.\d+\.\d+$/); // pnpm 11+ needs Node 22; 10 reads ~/.npmrc's nodedir
    const printed = execFileSync(process.execPath, [script, 'check'], { encoding: 'utf8' });
    expect(printed.trim().split('\n')).toEqual([
      `npm i -g pnpm@${pnpmVersion} && pnpm install && pnpm start`,
      `npm i -g pnpm@${pnpmVersion} && pnpm install && pnpm test`,
    ]);
  });

  it('are what .ci/run runs: the test command comes out of README.md and runs through bash -c', () => {
    expect(ciRun).toMatch(/readme_test=\$\(node tools\/readme-commands\.mjs test\)/);
    expect(ciRun).toMatch(/^bash -c "\$readme_test"$/m);
    // Nothing papers over the install: no nodedir, no pnpm of its own, no second install or test run.
    expect(ciRun).not.toMatch(/nodedir|npm install -g|pnpm install|pnpm test/);
  });

  it('fail the check when the README pins another pnpm than package.json', () => {
    const drifted = repoWithReadme((readme) => readme.replaceAll(`pnpm@${pnpmVersion}`, 'pnpm@12.4.2'));
    const result = commands(drifted, 'test');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`expected "npm i -g pnpm@${pnpmVersion} && pnpm install && pnpm start"`);
    expect(result.stdout).toBe('');
  });

  it('fail the check when a command gains a step or a third block appears', () => {
    const extraStep = repoWithReadme((readme) =>
      readme.replace('pnpm install && pnpm test', 'pnpm install && pnpm build && pnpm test'),
    );
    expect(commands(extraStep, 'test').status).toBe(1);
    const thirdBlock = repoWithReadme((readme) =>
      readme.replace('## Packages', '```sh\nexport npm_config_nodedir=/usr\n```\n\n## Packages'),
    );
    const result = commands(thirdBlock, 'test');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('must hold two code blocks (it holds 3)');
  });

  it('print the test command for a README in the expected form', () => {
    const result = commands(
      repoWithReadme((readme) => readme),
      'test',
    );
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(`npm i -g pnpm@${pnpmVersion} && pnpm install && pnpm test`);
  });
});
