import { defineConfig } from 'tsup';

export default defineConfig({
  // src/cli.ts starts with a #!/usr/bin/env node line; esbuild keeps it, so only the CLI gets the shebang.
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
