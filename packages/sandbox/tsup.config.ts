import { defineConfig } from 'tsup';
import { nodePackage } from '../../tsup.preset.js';

// src/cli.ts starts with a #!/usr/bin/env node line; esbuild keeps it, so only the CLI gets the shebang.
export default defineConfig(nodePackage({ entry: ['src/index.ts', 'src/cli.ts'] }));
