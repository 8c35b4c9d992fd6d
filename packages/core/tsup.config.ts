import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // p-retry is ESM-only; bundling it keeps the CommonJS build loadable with require().
  noExternal: ['p-retry', 'is-network-error'],
});
