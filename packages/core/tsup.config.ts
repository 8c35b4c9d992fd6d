import { defineConfig } from 'tsup';
import { nodePackage } from '../../tsup.preset.js';

// One entry per audience (see package.json `exports`).
export default defineConfig(
  nodePackage({
    entry: {
      index: 'src/index.ts',
      store: 'src/store/index.ts',
      adapter: 'src/http/index.ts',
      testing: 'src/testing/index.ts',
    },
    // p-retry is ESM-only; bundling it keeps the CommonJS build loadable with require().
    noExternal: ['p-retry', 'is-network-error'],
  }),
);
