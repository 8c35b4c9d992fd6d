import { describe, expect, it } from 'vitest';
import {
  codeFiles,
  findOutsideReferences,
  repoFiles,
  shippedDeclarationFiles,
} from './support/outside-references.js';

// What users read must stand on its own: no pointers to planning documents they do not have. That is the
// docs, READMEs, changelogs and changesets, but also every comment and string in the code (users read it in
// their editor and in stack traces) and the .d.ts files the packages ship. Requirement ids such as SEC-6
// are fine: docs/requirements.md defines them.

const userFacing = [
  ...repoFiles('docs', (name) => name.endsWith('.md')),
  ...repoFiles('.', (name) => ['README.md', 'CHANGELOG.md', 'CONTRIBUTING.md'].includes(name)),
  ...repoFiles('.changeset', (name) => name.endsWith('.md')),
];

describe('user-facing text refers only to documents in this repository', () => {
  it('covers the docs, every README and the contributing guide', () => {
    expect(userFacing).toEqual(
      expect.arrayContaining([
        'docs/requirements.md',
        'README.md',
        'CONTRIBUTING.md',
        'packages/core/README.md',
      ]),
    );
  });

  it('names no outside planning document in the docs', () => {
    expect(findOutsideReferences(userFacing)).toEqual([]);
  });

  it('covers sources, tests, scripts, examples, benches, tools and CI', () => {
    const files = codeFiles();
    expect(files).toEqual(
      expect.arrayContaining([
        'packages/core/src/domain/amount.ts',
        'packages/core/scripts/write-openapi.ts',
        'packages/client/test/wait.test.ts',
        'examples/support/src/config.ts',
        'examples/express/src/server.ts',
        'examples/custom-store/src/lua.ts',
        'bench/throughput/baseline.ts',
        'tools/readme-commands.mjs',
        '.ci/run',
      ]),
    );
    expect(files.filter((file) => file.startsWith('packages/docs-tests/test/support/outside'))).toEqual([]);
  });

  it('names no outside planning document in code comments or strings', () => {
    expect(findOutsideReferences(codeFiles())).toEqual([]);
  });

  it('names no outside planning document in the shipped declaration files', () => {
    const declarations = shippedDeclarationFiles();
    expect(declarations).toEqual(
      expect.arrayContaining([
        'packages/core/dist/index.d.ts',
        'packages/core/dist/index.d.cts',
        'packages/client/dist/index.d.ts',
      ]),
    );
    expect(findOutsideReferences(declarations)).toEqual([]);
  });

  it('catches each kind of outside reference, and not links to docs/architecture.md', () => {
    expect(
      findOutsideReferences(['packages/docs-tests/test/fixtures/outside-references.md']).map(
        (found) => found.line,
      ),
    ).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
