import { defineConfig } from 'vitest/config';

// One vitest project per package/example; each resolves workspace packages to their TypeScript source
// through the `@clickpesa-kit/source` export condition, so tests never run against a stale build.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'examples/*/vitest.config.ts'],
  },
});
