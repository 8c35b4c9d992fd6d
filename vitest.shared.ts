import { defineProject, type UserWorkspaceConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript source in tests (see each package's `exports`).
const conditions = ['@clickpesa-kit/source', 'module', 'node', 'development|production'];

export function packageProject(name: string, test: UserWorkspaceConfig['test'] = {}) {
  return defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@clickpesa-kit/source'] } },
    test: { name, testTimeout: 30_000, hookTimeout: 30_000, ...test },
  });
}
