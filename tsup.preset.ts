import type { Options } from 'tsup';

/**
 * The build every published package shares: ES module and CommonJS side by side, each with its types, for
 * Node 20, without source maps. A package's tsup.config.ts passes only what differs (more entries, externals).
 */
export function nodePackage(overrides: Options = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    // No source maps: they would point at src/, which is not published.
    sourcemap: false,
    clean: true,
    target: 'node20',
    ...overrides,
  };
}
