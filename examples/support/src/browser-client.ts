import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);

/**
 * `@clickpesa-kit/client` as one ES module for the page's `<script type="module">`, bundled from its
 * TypeScript source when the example starts: a fresh clone needs no build step, and the page never runs a
 * stale build. The same settings as the package's own browser build (tsup.config.ts): neutral platform,
 * ES2020.
 */
export async function bundleBrowserClient(): Promise<string> {
  const packageDir = dirname(require.resolve('@clickpesa-kit/client/package.json'));
  const entry = join(packageDir, 'src', 'index.ts');
  if (!existsSync(entry)) throw new Error(`@clickpesa-kit/client has no source to bundle (${entry})`);
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2020',
    write: false,
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('bundling @clickpesa-kit/client produced no file');
  return output.text;
}
