import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const workspaceRoot = resolve(import.meta.dirname, '../../../..');

export interface PublicPackage {
  name: string;
  dir: string;
}

/** Every package under packages/ that is not private, i.e. what gets published. */
export function publicPackages(): PublicPackage[] {
  const packagesDir = join(workspaceRoot, 'packages');
  return readdirSync(packagesDir)
    .map((entry) => join(packagesDir, entry))
    .flatMap((dir) => {
      let manifest: { name: string; private?: boolean };
      try {
        manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      } catch {
        return [];
      }
      return manifest.private ? [] : [{ name: manifest.name, dir }];
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
