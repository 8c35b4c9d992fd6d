import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The repository root and its docs folder, from this file's place in packages/docs-tests/test/support. */
export const REPO_ROOT = join(import.meta.dirname, '..', '..', '..', '..');
export const DOCS_DIR = join(REPO_ROOT, 'docs');

export interface MarkdownFile {
  /** Path relative to the repository root, e.g. "docs/http-api.md". */
  path: string;
  text: string;
}

export interface CodeBlock {
  /** Path relative to the repository root. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** First word of the info string, lower-cased: "ts", "sh", "json", ... ("" when none). */
  lang: string;
  /** The other words of the info string: "run", "server". */
  flags: string[];
  code: string;
}

export interface MarkdownLink {
  file: string;
  line: number;
  target: string;
}

export function readDocs(): MarkdownFile[] {
  return readdirSync(DOCS_DIR)
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => readMarkdown(join(DOCS_DIR, name)));
}

export function readMarkdown(absolutePath: string): MarkdownFile {
  return { path: relative(REPO_ROOT, absolutePath), text: readFileSync(absolutePath, 'utf8') };
}

const FENCE = /^(\s*)(`{3,}|~{3,})(.*)$/;

/** Fenced code blocks (``` and ~~~), with the fence's indentation removed from their lines. */
export function extractCodeBlocks(doc: MarkdownFile): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = doc.text.split('\n');
  let open: { indent: number; fence: string; line: number; info: string; body: string[] } | null = null;
  lines.forEach((text, index) => {
    const match = FENCE.exec(text);
    if (open === null) {
      if (!match) return;
      const [, indent = '', fence = '', info = ''] = match;
      if (fence.startsWith('`') && info.includes('`')) return; // inline code, not a fence
      open = { indent: indent.length, fence, line: index + 1, info: info.trim(), body: [] };
      return;
    }
    const closes = match && match[2]?.[0] === open.fence[0] && (match[2]?.length ?? 0) >= open.fence.length;
    if (closes && match[3]?.trim() === '') {
      const [lang = '', ...flags] = open.info.split(/\s+/).filter(Boolean);
      blocks.push({
        file: doc.path,
        line: open.line,
        lang: lang.toLowerCase(),
        flags,
        code: `${open.body.join('\n')}\n`,
      });
      open = null;
      return;
    }
    const indent = open.indent;
    open.body.push(text.replace(new RegExp(`^ {0,${indent}}`), ''));
  });
  if (open !== null) throw new Error(`${doc.path}: unclosed code fence`);
  return blocks;
}

/** The document's lines with fenced code blocks blanked out (line numbers preserved). */
function linesOutsideFences(doc: MarkdownFile): string[] {
  let fence: string | null = null;
  return doc.text.split('\n').map((line) => {
    const match = FENCE.exec(line);
    if (fence === null) {
      if (!match || (match[2]?.startsWith('`') && match[3]?.includes('`'))) return line;
      fence = match[2] ?? null;
      return '';
    }
    if (
      match &&
      match[2]?.[0] === fence[0] &&
      (match[2]?.length ?? 0) >= fence.length &&
      match[3]?.trim() === ''
    ) {
      fence = null;
    }
    return '';
  });
}

/** The text outside fenced code blocks and inline code spans, line numbers preserved. */
export function proseOf(doc: MarkdownFile): string {
  return linesOutsideFences(doc)
    .map((line) => line.replace(/`[^`]*`/g, ''))
    .join('\n');
}

/** Inline links and images `[text](target)` outside code. */
export function extractLinks(doc: MarkdownFile): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  proseOf(doc)
    .split('\n')
    .forEach((text, index) => {
      for (const match of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        links.push({ file: doc.path, line: index + 1, target: match[1] ?? '' });
      }
    });
  return links;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes, repeats numbered. */
export function headingAnchors(doc: MarkdownFile): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of linesOutsideFences(doc)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const text = (heading[1] ?? '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}
