import { readdirSync, readFileSync } from 'node:fs';
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
  /\barchitecture\.md\b/i,
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

const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git', '.turbo', '.data']);

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
