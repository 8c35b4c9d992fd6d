import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { run } from './run.js';
import { publicPackages } from './workspace.js';

/** `pnpm pack` of every public package into `destination`; returns package name → tarball path. */
export async function packPublicPackages(destination: string): Promise<Record<string, string>> {
  const tarballs: Record<string, string> = {};
  for (const { name, dir } of publicPackages()) {
    if (!existsSync(join(dir, 'dist'))) {
      throw new Error(`${name} has no dist/: run \`pnpm build\` first (\`pnpm test\` does)`);
    }
    const output = await run('pnpm', ['pack', '--pack-destination', destination], { cwd: dir });
    const tarball = output
      .trim()
      .split('\n')
      .map((line) => line.trim())
      .findLast((line) => line.endsWith('.tgz'));
    if (!tarball) throw new Error(`pnpm pack printed no tarball for ${name}:\n${output}`);
    tarballs[name] = join(destination, basename(tarball));
  }
  return tarballs;
}
