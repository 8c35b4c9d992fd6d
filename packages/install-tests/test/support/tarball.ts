import { run } from './run.js';

/** Paths inside the tarball, without npm's leading `package/`. */
export async function tarballEntries(tarball: string): Promise<string[]> {
  const listing = await run('tar', ['-tzf', tarball]);
  return listing
    .split('\n')
    .filter(Boolean)
    .map((entry) => entry.replace(/^package\//, ''));
}

export async function tarballManifest(tarball: string): Promise<Record<string, unknown>> {
  return JSON.parse(await run('tar', ['-xzOf', tarball, 'package/package.json']));
}

/** Every file path the manifest points at (main, module, types, bin, exports), except the workspace-only
 * source condition that only this repository's tests enable. */
export function referencedFiles(manifest: Record<string, unknown>): string[] {
  const found: string[] = [];
  const walk = (value: unknown, key?: string) => {
    if (key === '@clickpesa-kit/source') return;
    if (typeof value === 'string') found.push(value.replace(/^\.\//, ''));
    else if (value && typeof value === 'object') {
      for (const [childKey, child] of Object.entries(value)) walk(child, childKey);
    }
  };
  for (const field of ['main', 'module', 'types', 'bin', 'exports']) walk(manifest[field]);
  return found;
}
