import { defineConfig } from 'tsup';
import { nodePackage } from '../../tsup.preset.js';

export default defineConfig([
  nodePackage({ external: ['pg'] }),
  // The migrate CLI (`bin`): ESM only, no types.
  { entry: ['src/cli.ts'], format: ['esm'], sourcemap: false, target: 'node20', external: ['pg'] },
]);
