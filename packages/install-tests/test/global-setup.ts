import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { packPublicPackages } from './support/pack.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A scratch directory outside the workspace. */
    scratchRoot: string;
    /** Package name → path of its packed tarball. */
    tarballs: Record<string, string>;
  }
}

export default async function setup(project: TestProject) {
  const scratchRoot = await mkdtemp(join(tmpdir(), 'clickpesa-kit-install-'));
  project.provide('scratchRoot', scratchRoot);
  project.provide('tarballs', await packPublicPackages(join(scratchRoot, 'tarballs')));
  return async () => {
    if (!process.env.CLICKPESA_KEEP_SCRATCH) await rm(scratchRoot, { recursive: true, force: true });
  };
}
