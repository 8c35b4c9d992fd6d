/**
 * Open push connections held by one instance (pnpm --filter @clickpesa-kit/bench push).
 *  1. Memory per connection: the server process (Express or Fastify, memory store) after a full GC with no connection
 *     (the baseline, measured in this run), then with CONNECTIONS event streams open on one payment; the
 *     difference divided by CONNECTIONS. Target ≤ 20 KiB per connection.
 *  2. Fan-out: one status change (a cancel, committed in the server) delivered to every open stream; the
 *     time from just before the commit to each page's final event, p50/p99/max. Target: all within 1 s.
 * Each is measured twice in this run: first the baseline, plain node:http holding the same streams (no
 * framework, auth or kit), then ours; the table prints both and the ratio. The pages run in this process
 * (node:http, one socket each), the instance in a child, on the built packages (`pnpm build` first).
 *
 *   BENCH_PUSH_CONNECTIONS=5000 (default), BENCH_PUSH_FRAMEWORK=express (default) | fastify
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { listenOnPushRoute, type PushPage } from './page-listener.js';

const CONNECTIONS = Number(process.env.BENCH_PUSH_CONNECTIONS ?? 5_000);
// the child reads it too (it inherits the environment)
const FRAMEWORK = process.env.BENCH_PUSH_FRAMEWORK === 'fastify' ? 'Fastify' : 'Express';
/** Connections opened at once: fewer than the server's listen backlog (511). */
const OPEN_BATCH = 250;
const KIB = 1024;

interface Memory {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

interface Result {
  openMs: number;
  connections: number;
  baseline: Memory;
  loaded: Memory;
  committedMs: number;
  latencies: number[];
  allFinal: boolean;
}

// The instance runs the kit as users get it: the built packages, not the sources through tsx. tsx compiles
// with esbuild's keepNames, which wraps every named arrow function in a call that gives it a `name`
// property; each such function kept per stream then carries a 256-byte property store of its own.
const BUILT = ['core', 'express', 'fastify', 'store-tests'].map(
  (name) => new URL(`../../packages/${name}/dist/index.js`, import.meta.url),
);
const unbuilt = BUILT.filter((file) => !existsSync(file));
if (unbuilt.length > 0) {
  console.error(
    `the push bench measures the built packages; run \`pnpm build\` first (missing ${unbuilt.join(', ')})`,
  );
  process.exit(1);
}

async function measure(mode: 'bare' | 'express' | 'kit'): Promise<Result> {
  const child = fork(fileURLToPath(new URL('./server.ts', import.meta.url)), [mode], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
  });
  const waiters = new Map<string, (message: Record<string, unknown>) => void>();
  child.on('message', (message: Record<string, unknown>) => {
    const type = message.type as string;
    waiters.get(type)?.(message);
    waiters.delete(type);
  });
  const next = (type: string) =>
    new Promise<Record<string, unknown>>((resolve) => {
      waiters.set(type, resolve);
    });
  const ask = (type: string, answer = type) => {
    const reply = next(answer);
    child.send({ type });
    return reply;
  };

  const ready = await next('ready');
  const baseUrl = ready.url as string;
  const paymentId = ready.paymentId as string;

  // warm up the route (JIT, first-request allocations) so the baseline is not the cold process
  const warm = listenOnPushRoute({ baseUrl, paymentId, token: 'bench' });
  await warm.opened;
  warm.close();
  await new Promise((resolve) => setTimeout(resolve, 200));

  const baseline = (await ask('memory')).memory as Memory;
  const pages: PushPage[] = [];
  const openStarted = performance.now();
  for (let i = 0; i < CONNECTIONS; i += OPEN_BATCH) {
    const batch = Array.from({ length: Math.min(OPEN_BATCH, CONNECTIONS - i) }, () =>
      listenOnPushRoute({ baseUrl, paymentId, token: 'bench' }),
    );
    pages.push(...batch);
    await Promise.all(batch.map((page) => page.opened));
  }
  const openMs = performance.now() - openStarted;
  const { connections } = (await ask('stats')).stats as { connections: number };
  const loaded = (await ask('memory')).memory as Memory;

  const { at, committedMs } = (await ask('change', 'changed')) as { at: number; committedMs: number };
  const arrivals = await Promise.all(pages.map((page) => page.final));
  const latencies = arrivals.map((arrival) => arrival.at - at).sort((a, b) => a - b);
  for (const page of pages) page.close();
  child.send({ type: 'stop' });
  await new Promise((resolve) => child.once('exit', resolve));
  return {
    openMs,
    connections,
    baseline,
    loaded,
    committedMs,
    latencies,
    allFinal: arrivals.every((arrival) => arrival.status === 'cancelled'),
  };
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
const perConnection = (result: Result, fields: (keyof Memory)[]) =>
  fields.reduce((sum, field) => sum + result.loaded[field] - result.baseline[field], 0) / CONNECTIONS / KIB;

const bare = await measure('bare');
const expressOnly = await measure('express');
const ours = await measure('kit');

console.log(`push route bench — ${CONNECTIONS} event streams on one instance`);
console.log(
  `machine: ${cpus().length} cores, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log('');
console.log(`| | baseline: bare node:http | ours: ${FRAMEWORK} + kit (memory store) | ours / baseline |`);
console.log('| --- | --- | --- | --- |');
const row = (name: string, a: number, b: number, unit: string, digits = 1) =>
  console.log(
    `| ${name} | ${a.toFixed(digits)} ${unit} | ${b.toFixed(digits)} ${unit} | ${(b / a).toFixed(2)} |`,
  );
console.log(`| streams open (server count) | ${bare.connections} | ${ours.connections} | |`);
row('time to open them all', bare.openMs / 1000, ours.openMs / 1000, 's');
row(
  'heap + external per connection',
  perConnection(bare, ['heapUsed', 'external']),
  perConnection(ours, ['heapUsed', 'external']),
  'KiB',
  2,
);
row('rss per connection', perConnection(bare, ['rss']), perConnection(ours, ['rss']), 'KiB', 2);
// the V8 heap's committed pages are part of RSS: what the open burst grew and GC has not given back yet
row(
  'V8 heap committed per connection',
  perConnection(bare, ['heapTotal']),
  perConnection(ours, ['heapTotal']),
  'KiB',
  2,
);
row('fan-out p50', pct(bare.latencies, 50), pct(ours.latencies, 50), 'ms');
row('fan-out p99', pct(bare.latencies, 99), pct(ours.latencies, 99), 'ms');
row('fan-out max', bare.latencies.at(-1)!, ours.latencies.at(-1)!, 'ms');
row('change → last write returned', bare.committedMs, ours.committedMs, 'ms');
console.log(
  `| for comparison, a ${FRAMEWORK} route writing the same bare streams: heap + external ${perConnection(expressOnly, ['heapUsed', 'external']).toFixed(2)} KiB, V8 heap committed ${perConnection(expressOnly, ['heapTotal']).toFixed(2)} KiB, rss ${perConnection(expressOnly, ['rss']).toFixed(2)} KiB per connection; fan-out max ${expressOnly.latencies.at(-1)?.toFixed(1)} ms | | | |`,
);
console.log('');
console.log(
  `memory: the server process after a full GC, minus the same process with 0 connections (rss baseline ${(ours.baseline.rss / KIB / KIB).toFixed(1)} MiB). Targets: ≤ 20 KiB per connection; max ≤ 1000 ms.`,
);
console.log(
  `every stream got the final status: baseline ${bare.allFinal ? 'yes' : 'NO'}, ours ${ours.allFinal ? 'yes' : 'NO'}`,
);
process.exit(ours.allFinal && ours.connections === CONNECTIONS ? 0 : 1);
