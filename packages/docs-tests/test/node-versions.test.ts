import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/markdown.js';

// Supported: Node 20.18+ (end of life since April 2026, still supported), 22 and 24 (the LTS lines).
// CI runs the README's test command on the machine's Node 20, then tools/test-on-node.sh on 22 and 24.
const SUPPORTED_RANGE = '>=20.18';

const workspacePackages = [
  '.',
  'bench',
  ...['packages', 'examples'].flatMap((dir) =>
    readdirSync(join(REPO_ROOT, dir)).map((name) => join(dir, name)),
  ),
].filter((dir) => existsSync(join(REPO_ROOT, dir, 'package.json')));

describe('the Node versions this project supports', () => {
  it.each(workspacePackages)('%s/package.json states engines.node >=20.18', (dir) => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, dir, 'package.json'), 'utf8'));
    expect(manifest.engines?.node).toBe(SUPPORTED_RANGE);
  });

  it('are the ones CI tests: .ci/run runs the suites again on a Node 22 and a Node 24', () => {
    const ciRun = readFileSync(join(REPO_ROOT, '.ci', 'run'), 'utf8');
    const versions = /for node_version in ([\d. ]+); do\n\s+tools\/test-on-node\.sh "\$node_version"/.exec(
      ciRun,
    )?.[1];
    expect(
      versions
        ?.trim()
        .split(' ')
        .map((version) => version.split('.')[0]),
    ).toEqual(['22', '24']);
  });

  it('are the ones the README names next to its two commands', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('Node 20.18+, 22 or 24');
  });
});
