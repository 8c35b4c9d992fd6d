import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createMemoryStore } from '@clickpesa-kit/core';
import { clickpesaPayments } from '@clickpesa-kit/express';
import { type FaultSpec, startSandbox } from '@clickpesa-kit/sandbox';
import express from 'express';

/**
 * The status route's answer time while ClickPesa misbehaves, through Express over real HTTP against the
 * sandbox: every fault the sandbox can inject, on every ClickPesa call, with the poller (answers from the
 * store) and without it (live refresh, bounded). Every read finds its payment stale (statusRefreshMs 0), the
 * worst case. Target: p99 ≤ 1 s. The baseline in the same run is the same route with ClickPesa healthy.
 *
 *   pnpm --filter @clickpesa-kit/bench status-faults [--reads 200]
 */
const { values } = parseArgs({ options: { reads: { type: 'string', default: '200' } } });
const READS = Number(values.reads);
const PAYMENTS = 20;
const CONCURRENCY = 10;

type Fault = { name: string; spec: Record<string, unknown> | null };
const FAULTS: Fault[] = [
  { name: 'none (baseline)', spec: null },
  { name: '429, Retry-After: 20', spec: { kind: 'status', status: 429, headers: { 'retry-after': '20' } } },
  { name: '503', spec: { kind: 'status', status: 503 } },
  { name: '16 s latency', spec: { kind: 'latency', ms: 16_000 } },
  { name: 'connection reset', spec: { kind: 'reset' } },
  { name: 'malformed JSON', spec: { kind: 'malformed' } },
  { name: 'truncated body', spec: { kind: 'truncated' } },
  { name: 'empty body', spec: { kind: 'empty' } },
  { name: 'HTML page', spec: { kind: 'html' } },
];

async function measure(poller: boolean, fault: Fault): Promise<{ p50: number; p99: number; max: number }> {
  const sandbox = await startSandbox({ webhookRetryDelaysMs: [] });
  const app = express();
  const router = clickpesaPayments({
    store: createMemoryStore(),
    authenticate: () => ({ id: 'bench' }),
    clickpesa: { baseUrl: sandbox.url, clientId: sandbox.clientId, apiKey: sandbox.apiKey, env: {} },
    poller: poller ? { shutdownGraceMs: 100 } : false,
    statusRefreshMs: 0,
    rateLimits: false,
  });
  app.use('/api/v1', router);
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
  const ids: string[] = [];
  for (let i = 0; i < PAYMENTS; i++) {
    // ending in 7: the simulated customer never answers, so every payment stays open
    const msisdn = `2557${String(10_600_000 + i * 10 + 7).slice(-8)}`;
    const created = await fetch(`${base}/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 1000, currency: 'TZS', msisdn }),
    });
    ids.push(((await created.json()) as { data: { id: string } }).data.id);
  }
  if (fault.spec) sandbox.fault({ endpoint: '*', times: 1_000_000, ...fault.spec } as FaultSpec);
  const times: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let n = next++; n < READS; n = next++) {
        const started = performance.now();
        const response = await fetch(`${base}/payments/${ids[n % ids.length]}/status`);
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`status route answered ${response.status}`);
        times.push(performance.now() - started);
      }
    }),
  );
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await router.payments.close();
  await sandbox.close();
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { p50: at(0.5), p99: at(0.99), max: times.at(-1)! };
}

const ms = (value: number) => (value < 10 ? value.toFixed(1) : value.toFixed(0));
console.log(
  `\n${READS} status reads per row, ${CONCURRENCY} at a time, over ${PAYMENTS} open payments; ms.\n`,
);
console.log('| ClickPesa | with the poller p50 / p99 / max | without a poller p50 / p99 / max |');
console.log('|---|---:|---:|');
let worst = 0;
for (const fault of FAULTS) {
  const withPoller = await measure(true, fault);
  const without = await measure(false, fault);
  worst = Math.max(worst, withPoller.p99, without.p99);
  const cell = (r: typeof withPoller) => `${ms(r.p50)} / ${ms(r.p99)} / ${ms(r.max)}`;
  console.log(`| ${fault.name} | ${cell(withPoller)} | ${cell(without)} |`);
}
console.log(`\nworst p99 ${ms(worst)} ms: ${worst <= 1_000 ? 'PASS' : 'FAIL'} p99 ≤ 1 s under every fault`);
process.exit(0);
