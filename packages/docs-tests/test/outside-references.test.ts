import { describe, expect, it } from 'vitest';
import { findOutsideReferences, repoFiles } from './support/outside-references.js';

// What users read must stand on its own: no pointers to planning documents they do not have.
// Covered: docs/, every README, CHANGELOG and CONTRIBUTING, and the changesets. Not yet covered: source
// comments (and so the shipped .d.ts built from them), which are being cleaned up separately.

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

  it('names no outside planning document', () => {
    expect(findOutsideReferences(userFacing)).toEqual([]);
  });

  it('catches each kind of outside reference', () => {
    expect(
      findOutsideReferences(['packages/docs-tests/test/fixtures/outside-references.md']).map(
        (found) => found.line,
      ),
    ).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
