import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { clickpesaOptionsSchema } from '../../core/src/config-schema.js';
import { DOCS_DIR, readMarkdown } from './support/markdown.js';

/**
 * docs/configuration.md against the options schema the kit validates with: every option of each level is a
 * row of that level's table, with a default, and every row is an option the schema knows.
 */
const doc = readMarkdown(`${DOCS_DIR}/configuration.md`).text;

/** The heading of each level's table, and where that level sits in the schema. */
const LEVELS: { heading: string; path: string[] }[] = [
  { heading: '## Options', path: [] },
  { heading: '### `clickpesa`: the ClickPesa client', path: ['clickpesa'] },
  { heading: '### `poller`', path: ['poller'] },
  { heading: '### `schedule`', path: ['schedule'] },
  { heading: '### `budget`', path: ['budget'] },
  { heading: '### `dispatcher`', path: ['dispatcher'] },
  { heading: '### `retention`', path: ['retention'] },
];

describe('docs/configuration.md matches the options schema', () => {
  it.each(LEVELS)('$heading lists every option with its default, and nothing else', ({ heading, path }) => {
    const rows = tableAfter(heading);
    const documented = rows.flatMap((row) => row.names);
    expect(documented.sort()).toEqual(Object.keys(shapeAt(path)).sort());
    for (const row of rows) expect(row.defaultText, `default of ${row.names.join(', ')}`).not.toBe('');
  });
});

interface Row {
  names: string[];
  defaultText: string;
}

/** The rows of the first table after `heading`: option names (backticked, first cell) and the default cell. */
function tableAfter(heading: string): Row[] {
  const start = doc.indexOf(`\n${heading}\n`);
  if (start === -1) throw new Error(`docs/configuration.md has no "${heading}" section`);
  const lines = doc.slice(start).split('\n').slice(2);
  const tableStart = lines.findIndex((line) => line.startsWith('|'));
  const rows: Row[] = [];
  for (const line of lines.slice(tableStart + 2)) {
    if (!line.startsWith('|')) break;
    const [, first = '', second = ''] = line.split(/(?<!\\)\|/);
    rows.push({
      names: [...first.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? ''),
      defaultText: second.trim(),
    });
  }
  return rows;
}

function shapeAt(path: readonly string[]): Record<string, unknown> {
  let schema: unknown = clickpesaOptionsSchema;
  for (const key of [...path, null]) {
    while (!(schema instanceof z.ZodObject)) {
      if (schema instanceof z.ZodOptional) schema = schema.unwrap();
      else if (schema instanceof z.ZodUnion)
        schema = schema.options.find((option) => !(option instanceof z.ZodLiteral));
      else if (schema instanceof z.ZodPipe) schema = schema.in;
      else throw new Error(`no object schema at ${path.join('.')}`);
    }
    if (key === null) return schema.shape;
    schema = schema.shape[key];
  }
  throw new Error('unreachable');
}
