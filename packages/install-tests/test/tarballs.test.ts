import { describe, expect, inject, it } from 'vitest';
import { referencedFiles, tarballEntries, tarballManifest } from './support/tarball.js';
import { publicPackages } from './support/workspace.js';

const tarballs = inject('tarballs');

it('packs every public package', () => {
  expect(Object.keys(tarballs).sort()).toEqual(publicPackages().map((pkg) => pkg.name));
  expect(Object.keys(tarballs).length).toBeGreaterThanOrEqual(9);
});

describe.each(Object.entries(tarballs))('%s tarball', (name, tarball) => {
  it('holds README.md, LICENSE, package.json and the build, nothing else', async () => {
    const entries = await tarballEntries(tarball);
    expect(entries).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'package.json']));
    const rest = entries.filter((entry) => !['README.md', 'LICENSE', 'package.json'].includes(entry));
    expect(rest.length).toBeGreaterThan(0);
    expect(rest.filter((entry) => !entry.startsWith('dist/'))).toEqual([]);
    // source maps would point at src/, which is not shipped; the sandbox's bin is the ESM cli.js only
    expect(rest.filter((entry) => entry.endsWith('.map') || /(^|\/)cli\.(cjs|d\.c?ts)$/.test(entry))).toEqual(
      [],
    );
  });

  it('has the metadata a registry page and npm need', async () => {
    const manifest = await tarballManifest(tarball);
    expect(manifest).toMatchObject({
      name,
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      description: expect.any(String),
      license: 'MIT',
      author: expect.any(String),
      homepage: expect.stringMatching(/^https:\/\//),
      bugs: { url: expect.stringMatching(/^https:\/\//) },
      repository: { type: 'git', url: expect.any(String), directory: expect.stringMatching(/^packages\//) },
      keywords: expect.arrayContaining(['clickpesa']),
      engines: { node: expect.any(String) },
    });
    expect(JSON.stringify(manifest)).not.toContain('workspace:');
    expect(JSON.stringify(manifest)).not.toContain('catalog:');
  });

  it('ships every file its package.json points at', async () => {
    const entries = new Set(await tarballEntries(tarball));
    const missing = referencedFiles(await tarballManifest(tarball)).filter(
      (file) => file !== 'package.json' && !entries.has(file),
    );
    expect(missing).toEqual([]);
  });
});
