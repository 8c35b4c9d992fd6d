import { defineConfig } from 'tsup';
import { nodePackage } from '../../tsup.preset.js';

const external = [
  'pg',
  'better-sqlite3',
  '@clickpesa-kit/core',
  '@clickpesa-kit/store-postgres',
  '@clickpesa-kit/store-sqlite',
];

export default defineConfig([
  nodePackage({ external }),
  // The CLI (`bin`): ESM only, no types.
  { entry: ['src/cli.ts'], format: ['esm'], sourcemap: false, target: 'node20', external },
]);
