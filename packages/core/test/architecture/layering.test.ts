import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Dependencies inside core point one way: each folder (or top-level file) may import only from the units
 * listed for it, all of which sit below it. The same table is drawn in docs/architecture.md.
 */
const FOUNDATION = ['shared', 'errors', 'logger', 'clock'];
/** Everything the wiring on top (config.ts, kit.ts) builds from. */
const WIRED = [
  'notify',
  'dispatch',
  'retention',
  'http',
  'poller',
  'service',
  'budget',
  'client',
  'store',
  'domain',
  'events',
  'logging',
  ...FOUNDATION,
];
const ALLOWED: Record<string, readonly string[]> = {
  shared: [],
  errors: [],
  logger: [],
  clock: [],
  domain: FOUNDATION,
  events: ['domain', ...FOUNDATION],
  store: ['domain', 'events', ...FOUNDATION],
  client: ['domain', 'events', ...FOUNDATION],
  webhook: ['domain', ...FOUNDATION],
  testing: ['store', 'domain', ...FOUNDATION],
  budget: ['client', 'store', 'domain', 'events', ...FOUNDATION],
  service: ['client', 'store', 'webhook', 'domain', 'events', ...FOUNDATION],
  poller: ['service', 'client', 'store', 'domain', 'events', ...FOUNDATION],
  logging: ['events', 'domain', ...FOUNDATION],
  http: ['service', 'store', 'logging', 'domain', 'events', ...FOUNDATION],
  dispatch: ['store', 'domain', 'events', ...FOUNDATION],
  retention: ['store', ...FOUNDATION],
  notify: ['http', 'dispatch', 'client', 'store', 'domain', 'events', ...FOUNDATION],
  // the wiring on top: each may use everything below it
  config: WIRED,
  'config-schema': WIRED,
  kit: ['config', 'config-schema', ...WIRED],
  index: ['*'],
};

const srcDir = fileURLToPath(new URL('../../src/', import.meta.url));
const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

/** `service/webhook.ts` → service; `kit.ts` → kit. */
function unitOf(file: string): string {
  const [first, second] = relative(srcDir, file).split(/[\\/]/);
  return second === undefined ? first!.replace(/\.ts$/, '') : first!;
}

function violations(): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(srcDir)) {
    const from = unitOf(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2]!;
      if (!specifier.startsWith('.')) continue;
      const to = unitOf(normalize(join(dirname(file), specifier)).replace(/\.js$/, '.ts'));
      if (to === from) continue;
      const allowed = ALLOWED[from] ?? [];
      if (!allowed.includes('*') && !allowed.includes(to))
        found.push(`${relative(srcDir, file)} imports ${specifier} (${from} → ${to})`);
    }
  }
  return found;
}

describe('layering of @clickpesa-kit/core', () => {
  it('has a row in the table for every folder and top-level file', () => {
    const units = new Set(sourceFiles(srcDir).map(unitOf));
    expect([...units].filter((unit) => !(unit in ALLOWED))).toEqual([]);
  });

  it('has no import that reaches up to a higher layer', () => {
    expect(violations()).toEqual([]);
  });
});
