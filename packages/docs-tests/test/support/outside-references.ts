import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './markdown.js';

/**
 * Names of the documents the project was planned from. They are not in this repository, so users cannot
 * follow a reference to them: say it in plain words, or link to docs/requirements.md for a requirement id.
 */
export const OUTSIDE_DOCUMENTS = [
  /\bproduct\.md\b/i,
  /\breliability\.md\b/i,
  /\bclickpesa-api\.md\b/i,
  /\bseed-guide\.md\b/i,
  /\bseed guide\b/i,
  // the planning document, not docs/architecture.md or a link to it from inside docs/
  /(?<!docs\/|\]\(|\]\(\.\/)\barchitecture\.md\b/i,
  /\bteam brief\b/i,
  /§\s*\d/,
];

export interface OutsideReference {
  /** Path relative to the repository root. */
  file: string;
  line: number;
  text: string;
}

export function findOutsideReferences(relativePaths: string[]): OutsideReference[] {
  return relativePaths.flatMap((file) =>
    readFileSync(join(REPO_ROOT, file), 'utf8')
      .split('\n')
      .flatMap((text, index) =>
        OUTSIDE_DOCUMENTS.some((pattern) => pattern.test(text))
          ? [{ file, line: index + 1, text: text.trim() }]
          : [],
      ),
  );
}

const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git', '.turbo', '.data', 'coverage', 'test-results']);

/** Files under `dir` (relative to the repository root) whose name passes `keep`, skipping builds and installs. */
export function repoFiles(dir: string, keep: (name: string) => boolean): string[] {
  const found: string[] = [];
  const walk = (absolute: string) => {
    for (const entry of readdirSync(absolute, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(join(absolute, entry.name));
      } else if (keep(entry.name)) {
        found.push(relative(REPO_ROOT, join(absolute, entry.name)));
      }
    }
  };
  walk(join(REPO_ROOT, dir));
  return found.sort();
}

/** Text a person reads or a tool runs: source, config, docs, and extensionless scripts such as `.ci/run`. */
const isTextFile = (name: string) =>
  /\.(?:[cm]?[jt]sx?|json|md|sh|html|css|ya?ml|sql)$/.test(name) || !name.includes('.');

/** The checker names the documents it looks for; its fixture cites each on purpose. */
const THE_CHECKER_ITSELF = [
  'packages/docs-tests/test/support/outside-references.ts',
  'packages/docs-tests/test/fixtures/outside-references.md',
];

/** Every package's sources, tests and scripts, the examples, the benches, the tools and the CI script. */
export function codeFiles(): string[] {
  return ['packages', 'examples', 'bench', 'tools', '.ci']
    .flatMap((dir) => repoFiles(dir, isTextFile))
    .filter((file) => !THE_CHECKER_ITSELF.includes(file));
}

/**
 * The declaration files each built package ships (`.d.ts`, `.d.cts` and `.d.mts` under `dist/`), which carry
 * its doc comments into users' editors. Throws when a package with a build script has not been built yet.
 */
export function shippedDeclarationFiles(): string[] {
  const built = readdirSync(join(REPO_ROOT, 'packages')).filter((name) => {
    const manifest = join(REPO_ROOT, 'packages', name, 'package.json');
    if (!existsSync(manifest)) return false;
    const scripts = JSON.parse(readFileSync(manifest, 'utf8')).scripts ?? {};
    return typeof scripts.build === 'string';
  });
  return built.flatMap((name) => {
    const dist = join('packages', name, 'dist');
    if (!existsSync(join(REPO_ROOT, dist))) {
      throw new Error(
        `${dist} is missing: build first (\`pnpm build\`), so its shipped .d.ts files can be checked`,
      );
    }
    return repoFiles(dist, (file) => /\.d\.[cm]?ts$/.test(file));
  });
}
