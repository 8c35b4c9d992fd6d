/**
 * What our routes cost per request on top of the bare route, without sockets: each framework's app is driven
 * in-process through Node's own request and response objects, so the kernel's share of a request (the biggest
 * and noisiest part on a shared machine) is left out and only JavaScript work is timed. Prints CPU µs per
 * request for each route and its bare twin (same body), and the difference: the overhead that run.ts sees
 * as a req/s ratio.
 *
 *   pnpm --filter @clickpesa-kit/bench adapters:inject [express fastify koa]   (BENCH_INJECTIONS=20000, BENCH_ROUNDS=7)
 */
import { IncomingMessage, type RequestListener, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { BENCH_TOKEN } from './setup.js';
import { buildTarget } from './targets.js';

const FRAMEWORKS = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['express', 'fastify', 'koa'];
const INJECTIONS = Number(process.env.BENCH_INJECTIONS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const HEADERS = { authorization: `Bearer ${BENCH_TOKEN}` };

/**
 * One GET through the framework's listener over a socket that discards what is written: Node's own
 * IncomingMessage and ServerResponse, no network. (light-my-request, Fastify's injector, retains ~9 KB per
 * request on Node 20, and the growing heap's collections swamp the numbers.)
 */
function inject(listener: RequestListener, url: string, headers: Record<string, string>): Promise<number> {
  const socket = new Duplex({
    read() {},
    write(_chunk, _encoding, callback) {
      callback();
    },
  }) as unknown as Socket;
  const request = new IncomingMessage(socket);
  request.method = 'GET';
  request.url = url;
  request.headers = { host: 'bench.local', ...headers };
  request.httpVersion = '1.1';
  request.push(null);
  const response = new ServerResponse(request);
  response.assignSocket(socket);
  return new Promise((resolve, reject) => {
    response.on('finish', () => {
      response.detachSocket(socket);
      resolve(response.statusCode);
    });
    response.on('error', reject);
    listener(request, response);
  });
}

/** CPU µs per request for `count` sequential injections. */
async function cpuPerRequest(listener: RequestListener, url: string, count: number): Promise<number> {
  const started = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const status = await inject(listener, url, HEADERS);
    if (status !== 200) throw new Error(`${url} answered ${status}`);
  }
  const used = process.cpuUsage(started);
  return (used.user + used.system) / count;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const PAIRS = [
  ['GET /payments/:id/status (final)', '/bare/:id/status', '/api/v1/payments/:id/status'],
  ['GET /payments/:id', '/bare/:id', '/api/v1/payments/:id'],
  ['GET /payments/:id, core stubbed (adapter only)', '/bare/:id', '/adapter-only/payments/:id'],
  ['bare route with its body prebuilt (floor)', '/bare/:id', '/bare-prebuilt/:id'],
] as const;

console.log(`in-process injection: ${ROUNDS} rounds × ${INJECTIONS} requests per route, median round`);
console.log('| framework | route | bare µs/req | ours µs/req | ours − bare µs |\n|---|---|---:|---:|---:|');
for (const framework of FRAMEWORKS) {
  const target = await buildTarget(framework);
  const url = (path: string) => path.replace(':id', target.paymentId);
  const paths = [...new Set(PAIRS.flatMap(([, bare, ours]) => [bare, ours]))];
  for (const path of paths) await cpuPerRequest(target.listener, url(path), INJECTIONS / 4); // warm-up
  const samples = new Map<string, number[]>(paths.map((path) => [path, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // the order turns every round, so drift hits every route alike
    const order = round % 2 === 0 ? paths : [...paths].reverse();
    for (const path of order)
      samples.get(path)!.push(await cpuPerRequest(target.listener, url(path), INJECTIONS));
  }
  if (process.env.BENCH_VERBOSE)
    for (const [path, list] of samples) console.error(path, list.map((v) => v.toFixed(0)).join(' '));
  for (const [label, bare, ours] of PAIRS) {
    const bareCpu = median(samples.get(bare)!);
    const oursCpu = median(samples.get(ours)!);
    console.log(
      `| ${framework} | ${label} | ${bareCpu.toFixed(1)} | ${oursCpu.toFixed(1)} | ${(oursCpu - bareCpu).toFixed(1)} |`,
    );
  }
  await target.close();
}
