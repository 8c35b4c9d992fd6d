/**
 * The core's share of a request, without any framework: calls `matches()` then `handler.handle` for GET
 * /payments/:id/status (final payment) and GET /payments/:id alternately, in-process, as the adapters do, and
 * prints CPU µs per call. Run it under `node --cpu-prof` to see where those µs go:
 *
 *   pnpm --filter @clickpesa-kit/bench adapters:profile            (BENCH_CALLS=200000)
 *   cd bench && node --cpu-prof --cpu-prof-dir=/tmp/prof --conditions=@clickpesa-kit/source --import tsx adapters/profile.ts
 */
import { createClickPesaPayments } from '@clickpesa-kit/core';
import type { HandlerRequest } from '@clickpesa-kit/core/adapter';
import { BENCH_TOKEN, finalPayment, kitOptions, startBenchSandbox } from './setup.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 200_000);

const sandbox = await startBenchSandbox();
const kit = createClickPesaPayments(kitOptions(sandbox));
const payment = await finalPayment(kit.service, sandbox);
const headers = { authorization: `Bearer ${BENCH_TOKEN}`, host: '127.0.0.1' };
const request = (path: string): HandlerRequest => ({ method: 'GET', path, headers, raw: { headers } });
const requests = [request(`/payments/${payment.id}/status`), request(`/payments/${payment.id}`)];

/** CPU µs per call: on a shared machine, wall time swings with the neighbours' load much more than CPU time. */
async function round(calls: number): Promise<number> {
  const started = process.cpuUsage();
  for (let i = 0; i < calls; i++) {
    const incoming = requests[i & 1]!;
    // as the adapters call it: the route table first, then the handler
    if (!kit.handler.matches(incoming.path)) throw new Error('not ours?');
    const answer = await kit.handler.handle(incoming);
    if (answer.status !== 200) throw new Error(`answer ${answer.status}`);
  }
  const used = process.cpuUsage(started);
  return (used.user + used.system) / calls;
}

await round(Math.min(CALLS, 20_000)); // warm-up
const samples: number[] = [];
for (let i = 0; i < 5; i++) samples.push(await round(CALLS / 5));
samples.sort((a, b) => a - b);
console.log(
  `handler.handle: ${samples[2]!.toFixed(2)} CPU µs per call (median of 5 × ${CALLS / 5}; lowest ${samples[0]!.toFixed(2)})`,
);
await kit.close();
await sandbox.close();
