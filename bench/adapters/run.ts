/**
 * Adapter overhead: for each framework, in one run, the bare framework serving an equivalent JSON route vs
 * our GET /payments/:id/status (final payment) and GET /payments/:id, memory store. Prints req/s and the
 * ratio to the bare route. Target: ≥ 0.85 on each framework.
 *
 *   pnpm --filter @clickpesa-kit/bench adapters [express fastify koa]
 *   BENCH_DURATION=10 BENCH_CONNECTIONS=32 BENCH_ROUNDS=3 (defaults 5, 32, 2)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const FRAMEWORKS = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['express', 'fastify', 'koa'];
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const TARGET = 0.85;
const HEADERS = { authorization: 'Bearer bench-token' };

interface Target {
  origin: string;
  paymentId: string;
}

async function startTarget(framework: string): Promise<{ child: ChildProcess; target: Target }> {
  const server = fileURLToPath(new URL('./server.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--conditions=@clickpesa-kit/source', '--import', 'tsx', server, framework],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, 'line')) as [string];
  return { child, target: JSON.parse(line) as Target };
}

/**
 * The server's CPU time (user + system, µs) from /proc. On a busy machine req/s swings with the neighbours'
 * load; CPU time per request barely does, so its ratio is the steadier estimate of the same overhead.
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
  requestsPerSecond: number;
  /** Server CPU µs per request, when /proc is there. */
  cpuPerRequest: number | null;
}

async function run(url: string, duration: number, pid: number): Promise<Sample> {
  const cpuBefore = serverCpuMicros(pid);
  const result = await autocannon({ url, duration, connections: CONNECTIONS, headers: HEADERS });
  const cpuAfter = serverCpuMicros(pid);
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx answers and ${result.errors} errors`);
  }
  const cpuPerRequest =
    cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / result.requests.total;
  return { requestsPerSecond: result.requests.average, cpuPerRequest };
}

const ROUTES = ['bare', 'status', 'get', 'adapterOnly'] as const;
type Route = (typeof ROUTES)[number];
type Row = { framework: string } & Record<Route, { rps: number; cpu: number | null }>;

async function measure(framework: string): Promise<Row> {
  const { child, target } = await startTarget(framework);
  const pid = child.pid ?? -1;
  const urls: Record<Route, string> = {
    bare: `${target.origin}/bare/${target.paymentId}`,
    status: `${target.origin}/api/v1/payments/${target.paymentId}/status`,
    get: `${target.origin}/api/v1/payments/${target.paymentId}`,
    adapterOnly: `${target.origin}/adapter-only/payments/${target.paymentId}`,
  };
  try {
    for (const route of ROUTES) await run(urls[route], 1, pid); // warm-up (JIT, caches)
    const samples = Object.fromEntries(ROUTES.map((route) => [route, [] as Sample[]])) as Record<
      Route,
      Sample[]
    >;
    // Interleaved rounds, so drift (thermal, noisy neighbours) hits every route alike.
    for (let round = 0; round < ROUNDS; round++) {
      for (const route of ROUTES) samples[route].push(await run(urls[route], DURATION, pid));
    }
    const row = { framework } as Row;
    for (const route of ROUTES) {
      const list = samples[route];
      const cpus = list.map((sample) => sample.cpuPerRequest);
      row[route] = {
        rps: list.reduce((sum, sample) => sum + sample.requestsPerSecond, 0) / list.length,
        cpu: cpus.includes(null) ? null : (cpus as number[]).reduce((sum, cpu) => sum + cpu, 0) / cpus.length,
      };
    }
    return row;
  } finally {
    child.kill();
  }
}

const rows: Row[] = [];
for (const framework of FRAMEWORKS) rows.push(await measure(framework));

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`\n${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
console.log(`autocannon: ${CONNECTIONS} connections, ${ROUNDS} × ${DURATION} s per route, interleaved`);
console.log('req/s ratio = ours / bare; CPU ratio = bare CPU µs per request / ours (1.00 = no overhead)\n');
console.log(
  '| framework | route | req/s | req/s ratio | server CPU µs/req | CPU ratio |\n|---|---|---:|---:|---:|---:|',
);
const LABELS: Record<Route, string> = {
  bare: 'bare framework JSON route',
  status: 'GET /payments/:id/status (final)',
  get: 'GET /payments/:id',
  adapterOnly: 'GET /payments/:id, core stubbed (adapter only)',
};
let short = false;
for (const row of rows) {
  for (const route of ROUTES) {
    const { rps, cpu: cpuPerRequest } = row[route];
    const rpsRatio = rps / row.bare.rps;
    const cpuRatio = cpuPerRequest && row.bare.cpu ? row.bare.cpu / cpuPerRequest : null;
    if ((route === 'status' || route === 'get') && rpsRatio < TARGET) short = true;
    console.log(
      `| ${row.framework} | ${LABELS[route]} | ${Math.round(rps).toLocaleString('en-US')} | ${rpsRatio.toFixed(2)} |` +
        ` ${cpuPerRequest === null ? 'n/a' : cpuPerRequest.toFixed(0)} | ${cpuRatio === null ? 'n/a' : cpuRatio.toFixed(2)} |`,
    );
  }
}
console.log(
  short ? `\nBelow the ${TARGET} req/s target on at least one route.` : `\nAll routes at or above ${TARGET}.`,
);
