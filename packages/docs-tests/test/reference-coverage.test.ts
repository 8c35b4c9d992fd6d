import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ERROR_CODES, PAYMENT_STATUSES } from '@clickpesa-kit/core';
import { ROUTES } from '@clickpesa-kit/core/adapter';
import type ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  extractLinks,
  headingAnchors,
  type MarkdownFile,
  REPO_ROOT,
  readDocs,
  readMarkdown,
} from './support/markdown.js';
import { exportedStringUnion, exportedTypeProperties, typecheck } from './support/typecheck.js';

// The reference docs name everything the code offers: a new option, error code, event or environment
// variable without its line in the docs fails here.

const docs = readDocs();
const readme = readMarkdown(join(REPO_ROOT, 'README.md'));
const doc = (name: string): MarkdownFile => {
  const found = docs.find((candidate) => candidate.path === `docs/${name}`);
  if (!found) throw new Error(`docs/${name} is missing`);
  return found;
};

/** Words that appear inside inline code spans (`...`) of a document. */
function codeWords(file: MarkdownFile): Set<string> {
  const words = new Set<string>();
  for (const span of file.text.matchAll(/`([^`\n]+)`/g)) {
    for (const word of (span[1] ?? '').matchAll(/[A-Za-z_.][\w.-]*/g)) words.add(word[0]);
  }
  return words;
}

function missingFrom(file: MarkdownFile, names: readonly string[]): string[] {
  const words = codeWords(file);
  return names.filter((name) => !words.has(name));
}

const TYPES_FILE = join(import.meta.dirname, '..', '.data', 'reference', 'types.ts');
let program: ts.Program;

beforeAll(() => {
  rmSync(dirname(TYPES_FILE), { recursive: true, force: true });
  mkdirSync(dirname(TYPES_FILE), { recursive: true });
  writeFileSync(
    TYPES_FILE,
    `import type { WebhookRejectedEvent } from '@clickpesa-kit/core';
export type {
  ClickPesaPaymentsOptions, ClickPesaClientOptions, PollerOptions, ProviderBudgetOptions, PollSchedule,
  ToolkitEvents, FailureReason,
} from '@clickpesa-kit/core';
export type WebhookRejectReason = WebhookRejectedEvent['reason'];
`,
  );
  program = typecheck([TYPES_FILE]).program;
}, 120_000);

describe('configuration.md', () => {
  it.each([
    'ClickPesaPaymentsOptions',
    'ClickPesaClientOptions',
    'PollerOptions',
    'ProviderBudgetOptions',
    'PollSchedule',
  ])('lists every option of %s', (typeName) => {
    const options = exportedTypeProperties(program, TYPES_FILE, typeName);
    expect(options.length).toBeGreaterThan(3);
    expect(missingFrom(doc('configuration.md'), options)).toEqual([]);
  });

  it('lists every CLICKPESA_* environment variable the packages read', () => {
    const variables = new Set<string>();
    for (const file of sourceFiles(join(REPO_ROOT, 'packages'))) {
      for (const match of readFileSync(file, 'utf8').matchAll(/\bCLICKPESA_[A-Z_]+\b/g))
        variables.add(match[0]);
    }
    expect([...variables]).toContain('CLICKPESA_API_KEY');
    expect(missingFrom(doc('configuration.md'), [...variables].sort())).toEqual([]);
  });
});

describe('http-api.md', () => {
  it('documents every error code', () => {
    expect(missingFrom(doc('http-api.md'), Object.keys(ERROR_CODES))).toEqual([]);
  });

  it('documents every route with its method', () => {
    const routes = ROUTES.map((route) => `${route.method} /${route.pattern.join('/')}`);
    const text = doc('http-api.md').text;
    expect(routes.filter((route) => !text.includes(`\`${route}\``))).toEqual([]);
  });
});

describe('statuses-and-events.md', () => {
  it('documents every status, failure reason and event', () => {
    const names = [
      ...PAYMENT_STATUSES,
      ...exportedStringUnion(program, TYPES_FILE, 'FailureReason'),
      ...exportedTypeProperties(program, TYPES_FILE, 'ToolkitEvents'),
      ...exportedStringUnion(program, TYPES_FILE, 'WebhookRejectReason'),
    ];
    expect(names).toContain('payment.late_success');
    expect(missingFrom(doc('statuses-and-events.md'), names)).toEqual([]);
  });
});

describe('links', () => {
  const files = [...docs, readme];

  it.each(files.map((file) => [file.path, file] as const))(
    '%s links only to files and headings that exist',
    (_path, file) => {
      const broken: string[] = [];
      for (const link of extractLinks(file)) {
        if (/^[a-z]+:/i.test(link.target)) continue; // https:, mailto:
        const [pathPart = '', anchor] = link.target.split('#');
        const target =
          pathPart === '' ? join(REPO_ROOT, file.path) : resolve(REPO_ROOT, dirname(file.path), pathPart);
        if (!existsSync(target)) {
          broken.push(`${link.file}:${link.line} ${link.target} (no such file)`);
          continue;
        }
        if (anchor !== undefined && target.endsWith('.md')) {
          const anchors = headingAnchors(readMarkdown(target));
          if (!anchors.has(anchor)) broken.push(`${link.file}:${link.line} ${link.target} (no such heading)`);
        }
      }
      expect(broken).toEqual([]);
    },
  );

  it('README.md links to every doc', () => {
    const linked = new Set(
      extractLinks(readme).map((link) =>
        relative(REPO_ROOT, resolve(REPO_ROOT, link.target.split('#')[0] ?? '')),
      ),
    );
    expect(docs.map((file) => file.path).filter((path) => !linked.has(path))).toEqual([]);
  });
});

function sourceFiles(packagesDir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(packagesDir)) {
    const src = join(packagesDir, name, 'src');
    if (!existsSync(src)) continue;
    for (const entry of readdirSync(src, { recursive: true, encoding: 'utf8' })) {
      if (entry.endsWith('.ts')) files.push(join(src, entry));
    }
  }
  return files;
}
