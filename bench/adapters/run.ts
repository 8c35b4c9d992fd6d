/**
 * Adapter overhead: for each framework, in one run, the bare framework serving an equivalent JSON route vs
 * our GET /payments/:id/status (final payment) and GET /payments/:id, memory store. Prints req/s and the
 * ratio to the bare route. Target: ≥ 0.85 on each framework.
 *
 *   pnpm --filter @clickpesa-kit/bench adapters [express fastify koa]
 *   BENCH_DURATION=5 BENCH_CONNECTIONS=32 BENCH_ROUNDS=5 (the defaults), BENCH_ROUTES=get,status, BENCH_PIN=0
 *
 * The machine may be shared, so each of our routes is measured in pairs with the bare route, back to back,
 * the order alternating round by round; a pair's ratio is ours / bare, and the table shows the median pair.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { BENCH_TOKEN } from './setup.js';

const FRAMEWORKS = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['express', 'fastify', 'koa'];
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const TARGET = 0.85;
const HEADERS = { authorization: `Bearer ${BENCH_TOKEN}` };

interface Target {
  origin: string;
  paymentId: string;
}

/**
 * The server on one core and autocannon (this process) on the other, so they never compete for a core and the
 * scheduler does not move them around: on a shared 2-core machine this narrows the spread of the pairs a
 * lot. BENCH_PIN=0 turns it off (it needs `taskset` and two cores).
 */
const PIN = process.env.BENCH_PIN !== '0' && cpus().length >= 2 && hasTaskset();
if (PIN) execFileSync('taskset', ['-a', '-cp', '0', String(process.pid)], { stdio: 'ignore' });

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function startTarget(framework: string): Promise<{ child: ChildProcess; target: Target }> {
  const server = fileURLToPath(new URL('./server.ts', import.meta.url));
  const node = [
    process.execPath,
    ...(process.env.BENCH_SERVER_FLAGS?.split(' ').filter(Boolean) ?? []),
    '--conditions=@clickpesa-kit/source',
    '--import',
    'tsx',
    server,
    framework,
  ];
  // taskset execs node in place, so the child's pid (read in /proc below) is the server's
  const [command, ...args] = PIN ? ['taskset', '-c', '1', ...node] : node;
  const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, 'line')) as [string];
  return { child, target: JSON.parse(line) as Target };
}

/**
 * The server's CPU time (user + system, µs) from /proc. On a busy machine req/s swings with the neighbours'
 * load; CPU time per request much less, so its ratio is the steadier estimate of the same overhead.
 */
function serverCpuMicros(pid: number): number | null {
  const file = `/proc/${pid}/stat`;
  if (!existsSync(file)) return null;
  const fields = readFileSync(file, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  return (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}
const CLOCK_TICKS_PER_SECOND = 100;

interface Sample {
  rps: number;
  /** Server CPU µs per request, when /proc is there. */
  cpu: number | null;
}

async function run(url: string, duration: number, pid: number): Promise<Sample> {
  const cpuBefore = serverCpuMicros(pid);
  const result = await autocannon({ url, duration, connections: CONNECTIONS, headers: HEADERS });
  const cpuAfter = serverCpuMicros(pid);
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx answers and ${result.errors} errors`);
  }
  const cpu = cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / result.requests.total;
  return { rps: result.requests.average, cpu };
}

const ALL_OURS = ['status', 'get', 'adapterOnly', 'prebuilt'] as const;
type Ours = (typeof ALL_OURS)[number];
/** BENCH_ROUTES=get,adapterOnly measures only those (when chasing one route's overhead). */
const OURS = ALL_OURS.filter((route) => (process.env.BENCH_ROUTES?.split(',') ?? ALL_OURS).includes(route));

interface Pair {
  bare: Sample;
  ours: Sample;
}

interface Summary {
  bareRps: number;
  bareCpu: number | null;
  rps: number;
  cpu: number | null;
  /** Median of the pairs' ours / bare req/s, and the lowest and highest pair. */
  ratio: number;
  low: number;
  high: number;
  cpuRatio: number | null;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function medianOrNull(values: (number | null)[]): number | null {
  return values.includes(null) ? null : median(values as number[]);
}

function summarise(pairs: Pair[]): Summary {
  const ratios = pairs.map((pair) => pair.ours.rps / pair.bare.rps);
  return {
    bareRps: median(pairs.map((pair) => pair.bare.rps)),
    bareCpu: medianOrNull(pairs.map((pair) => pair.bare.cpu)),
    rps: median(pairs.map((pair) => pair.ours.rps)),
    cpu: medianOrNull(pairs.map((pair) => pair.ours.cpu)),
    ratio: median(ratios),
    low: Math.min(...ratios),
    high: Math.max(...ratios),
    cpuRatio: medianOrNull(
      pairs.map((pair) => (pair.ours.cpu && pair.bare.cpu ? pair.bare.cpu / pair.ours.cpu : null)),
    ),
  };
}

async function measure(framework: string): Promise<Record<Ours, Summary>> {
  const { child, target } = await startTarget(framework);
  const pid = child.pid ?? -1;
  const base = `${target.origin}`;
  // each of ours paired with the bare route answering the same body
  const bareUrls: Record<Ours, string> = {
    status: `${base}/bare/${target.paymentId}/status`,
    get: `${base}/bare/${target.paymentId}`,
    adapterOnly: `${base}/bare/${target.paymentId}`,
    prebuilt: `${base}/bare/${target.paymentId}`,
  };
  const urls: Record<Ours, string> = {
    status: `${base}/api/v1/payments/${target.paymentId}/status`,
    get: `${base}/api/v1/payments/${target.paymentId}`,
    adapterOnly: `${base}/adapter-only/payments/${target.paymentId}`,
    prebuilt: `${base}/bare-prebuilt/${target.paymentId}`,
  };
  try {
    // warm-up (JIT, caches)
    for (const route of OURS) for (const url of [bareUrls[route], urls[route]]) await run(url, 2, pid);
    const pairs = Object.fromEntries(OURS.map((route) => [route, [] as Pair[]])) as Record<Ours, Pair[]>;
    for (let round = 0; round < ROUNDS; round++) {
      for (const route of OURS) {
        // back to back, alternating which goes first, so drift hits both sides of a pair alike
        if (round % 2 === 0) {
          const bare = await run(bareUrls[route], DURATION, pid);
          pairs[route].push({ bare, ours: await run(urls[route], DURATION, pid) });
        } else {
          const ours = await run(urls[route], DURATION, pid);
          pairs[route].push({ ours, bare: await run(bareUrls[route], DURATION, pid) });
        }
      }
      process.stderr.write(`${framework}: round ${round + 1}/${ROUNDS} done\n`);
    }
    return Object.fromEntries(OURS.map((route) => [route, summarise(pairs[route])])) as Record<Ours, Summary>;
  } finally {
    child.kill();
  }
}

const loadBefore = loadavg()[0]!;
const results: Array<{ framework: string; summaries: Record<Ours, Summary> }> = [];
for (const framework of FRAMEWORKS) results.push({ framework, summaries: await measure(framework) });

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`\n${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
console.log(`load average (1 min): ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after`);
console.log(
  `autocannon: ${CONNECTIONS} connections, ${DURATION} s per run, ${ROUNDS} pairs per route (bare and ours back to back, order alternating)` +
    (PIN ? '; server pinned to CPU 1, autocannon to CPU 0' : ''),
);
console.log(
  'req/s ratio = ours / bare, median pair (lowest–highest); CPU ratio = bare CPU µs per request / ours\n',
);
console.log(
  '| framework | route | req/s (bare) | req/s (ours) | req/s ratio | server CPU µs/req (bare / ours) | CPU ratio |\n|---|---|---:|---:|---:|---:|---:|',
);
const LABELS: Record<Ours, string> = {
  status: 'GET /payments/:id/status (final)',
  get: 'GET /payments/:id',
  adapterOnly: 'GET /payments/:id, core stubbed (adapter only)',
  prebuilt: 'bare route with its body prebuilt (floor)',
};
const format = (value: number) => Math.round(value).toLocaleString('en-US');
let short = false;
for (const { framework, summaries } of results) {
  for (const route of OURS) {
    const s = summaries[route];
    if ((route === 'status' || route === 'get') && s.ratio < TARGET) short = true;
    const cpuText =
      s.cpu === null || s.bareCpu === null ? 'n/a' : `${s.bareCpu.toFixed(0)} / ${s.cpu.toFixed(0)}`;
    console.log(
      `| ${framework} | ${LABELS[route]} | ${format(s.bareRps)} | ${format(s.rps)} |` +
        ` ${s.ratio.toFixed(2)} (${s.low.toFixed(2)}–${s.high.toFixed(2)}) | ${cpuText} |` +
        ` ${s.cpuRatio === null ? 'n/a' : s.cpuRatio.toFixed(2)} |`,
    );
  }
}
console.log(
  short ? `\nBelow the ${TARGET} req/s target on at least one route.` : `\nAll routes at or above ${TARGET}.`,
);
