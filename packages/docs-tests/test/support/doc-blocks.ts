import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type CodeBlock, extractCodeBlocks, readDocs } from './markdown.js';

/**
 * What the fence's info string says a block is:
 * - ```ts            a program or module: type-checked against the workspace packages;
 * - ```ts run        also executed (with a sandbox's CLICKPESA_* variables) and must exit 0, printing every
 *                    `// prints: <text>` its comments promise;
 * - ```ts run server a server: started with PORT=0 and the sandbox's variables, must print its API URL,
 *                    take a payment through the sandbox (user `alice-token`) and exit 0 on SIGTERM;
 * - ```cjs run server / ```js run server  a plain-JavaScript variant (CommonJS / ES module), run with plain
 *                    `node` in a scratch project made by `npm init -y`, like ```ts run server;
 * - ```js            an ES module shown in plain JavaScript: syntax-checked with `node --check`;
 * - ```json          parsed;
 * - anything else (sh, http, text, ...) is not a program.
 */
export type BlockKind = 'compile' | 'script' | 'server' | 'js-server' | 'js-module' | 'json' | 'prose';

export interface DocBlock extends CodeBlock {
  /** 'invalid' when the info string breaks the rules above (the compile test reports why). */
  kind: BlockKind | 'invalid';
}

/** Every code block of docs/*.md with its kind. */
export function collectDocBlocks(): DocBlock[] {
  return readDocs()
    .flatMap(extractCodeBlocks)
    .map((block) => {
      try {
        return { ...block, kind: kindOf(block) };
      } catch {
        return { ...block, kind: 'invalid' as const };
      }
    });
}

export const isProgram = (block: DocBlock): boolean =>
  block.kind === 'compile' || block.kind === 'script' || block.kind === 'server';

const TYPESCRIPT = new Set(['ts', 'typescript']);
/** Program languages that would escape the compiler: docs write programs as TypeScript. */
const UNCHECKED_PROGRAMS = new Set(['js', 'javascript', 'mjs', 'cjs', 'jsx', 'tsx', 'mts', 'cts']);

export function kindOf(block: CodeBlock): BlockKind {
  if (TYPESCRIPT.has(block.lang)) {
    const flags = block.flags.join(' ');
    if (flags === '') return 'compile';
    if (flags === 'run') return 'script';
    if (flags === 'run server') return 'server';
    throw new Error(
      `${where(block)}: unknown flags "${flags}" (use \`ts\`, \`ts run\` or \`ts run server\`)`,
    );
  }
  const flags = block.flags.join(' ');
  if ((block.lang === 'cjs' || block.lang === 'js') && flags === 'run server') return 'js-server';
  if (block.lang === 'js' && flags === '') return 'js-module';
  if (UNCHECKED_PROGRAMS.has(block.lang)) {
    throw new Error(
      `${where(block)}: a \`${block.lang} ${flags}\` block is never run; write it as \`ts\`, \`js\`, \`js run server\` or \`cjs run server\``,
    );
  }
  return block.lang === 'json' ? 'json' : 'prose';
}

export function where(block: Pick<CodeBlock, 'file' | 'line'>): string {
  return `${block.file}:${block.line}`;
}

/** Where a block's program lives: `<dir>/main.ts`; `dir` is also its working directory when it runs. */
export interface WrittenBlock {
  dir: string;
  file: string;
}

/**
 * Writes each program block to `<root>/<doc>-<line>/main.ts`. The root lives inside this package so that
 * imports resolve to the workspace packages it depends on; it is git- and biome-ignored (`.data`).
 */
export function writeBlocks(root: string, blocks: readonly DocBlock[]): Map<DocBlock, WrittenBlock> {
  rmSync(root, { recursive: true, force: true });
  const written = new Map<DocBlock, WrittenBlock>();
  for (const block of blocks.filter(isProgram)) {
    const dir = join(root, `${basename(block.file, '.md')}-${block.line}`);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'main.ts');
    writeFileSync(file, block.code);
    written.set(block, { dir, file });
  }
  return written;
}

/** The texts a block promises to print: `// prints: <text>` comments. */
export function promisedOutput(block: CodeBlock): string[] {
  return [...block.code.matchAll(/\/\/ prints: (.+)$/gm)].map((match) => (match[1] ?? '').trim());
}
