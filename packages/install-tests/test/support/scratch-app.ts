import { cp, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { run } from './run.js';

const appsDir = resolve(import.meta.dirname, '../../apps');

export interface ScratchAppSpec {
  name: string;
  /** Its program: a folder under apps/ (default: the name). */
  source?: string;
  /** The program to run, relative to the app (after the build, for TypeScript). */
  entry: string;
  /** Our packages, installed from their tarballs. */
  packages: string[];
  /** Everything else, from the registry, as `npm install` takes it. */
  registry: string[];
  /** `tsc -p tsconfig.json` before running: strict, no skipLibCheck. */
  typescript?: boolean;
}

/**
 * Copies the app to `<scratchRoot>/apps/<name>` (outside the workspace, so nothing resolves from it) and
 * installs everything with one plain `npm install`, as a user would.
 */
export async function installScratchApp(
  spec: ScratchAppSpec,
  scratchRoot: string,
  tarballs: Record<string, string>,
): Promise<string> {
  const dir = join(scratchRoot, 'apps', spec.name);
  await cp(join(appsDir, spec.source ?? spec.name), dir, { recursive: true });
  const type = spec.entry.endsWith('.cjs') ? 'commonjs' : 'module';
  await writeFile(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: `scratch-${spec.name}`, version: '0.0.0', private: true, type }, null, 2)}\n`,
  );
  const ours = spec.packages.map((name) => {
    const tarball = tarballs[name];
    if (!tarball) throw new Error(`no tarball for ${name}`);
    return tarball;
  });
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...ours, ...spec.registry], {
    cwd: dir,
  });
  if (spec.typescript)
    await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { cwd: dir });
  return dir;
}
