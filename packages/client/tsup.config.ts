import { defineConfig } from 'tsup';
import { nodePackage } from '../../tsup.preset.js';

export default defineConfig([
  // both builds write to dist/ at the same time: leave the browser file to the other one
  nodePackage({ clean: ['!browser.*'] }),
  {
    // One self-contained ES module for a <script type="module"> (the example checkout page serves it as
    // /client.js): platform 'neutral' keeps Node built-ins out, the target keeps it readable by older browsers.
    entry: { browser: 'src/index.ts' },
    format: ['esm'],
    platform: 'neutral',
    sourcemap: false,
    clean: false,
    target: 'es2020',
  },
]);
