import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  collectDocBlocks,
  isProgram,
  kindOf,
  type WrittenBlock,
  where,
  writeBlocks,
} from './support/doc-blocks.js';
import { type Diagnostic, typecheck } from './support/typecheck.js';

// Every code block of docs/*.md that shows a program is type-checked against the workspace packages, so the
// docs cannot drift from the code. support/doc-blocks.ts says what each fence info string means;
// run-blocks.test.ts runs the runnable ones.

const blocks = collectDocBlocks();
const programs = blocks.filter(isProgram);

let written = new Map<(typeof blocks)[number], WrittenBlock>();
let diagnostics = new Map<string, Diagnostic[]>();

beforeAll(() => {
  written = writeBlocks(join(import.meta.dirname, '..', '.data', 'compile'), blocks);
  diagnostics = typecheck([...written.values()].map((entry) => entry.file)).diagnostics;
}, 180_000);

describe('docs code blocks', () => {
  it('mark every program as ts, ts run or ts run server', () => {
    const problems: string[] = [];
    for (const block of blocks) {
      try {
        kindOf(block);
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
    expect(problems).toEqual([]);
    // the guides show programs: none found would mean the extraction broke
    expect(programs.filter((block) => block.kind === 'server').length).toBeGreaterThanOrEqual(3);
    expect(programs.filter((block) => block.kind === 'compile').length).toBeGreaterThanOrEqual(5);
  });

  it.each(programs.map((block) => [where(block), block] as const))('%s compiles', (_label, block) => {
    const file = written.get(block)?.file ?? '';
    const found = diagnostics.get(file) ?? [{ line: 0, message: 'not type-checked' }];
    // lines are the doc's own, so a failure points at the markdown to fix
    expect(found.map((d) => `${block.file}:${block.line + d.line}: ${d.message}`)).toEqual([]);
  });

  const jsonBlocks = blocks.filter((block) => block.kind === 'json');
  it.each(jsonBlocks.map((block) => [where(block), block] as const))('%s is JSON', (_label, block) => {
    expect(() => JSON.parse(block.code)).not.toThrow();
  });
});
