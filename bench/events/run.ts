/**
 * Event outbox benchmark: memory, SQLite and PostgreSQL in one run.
 *  1. Commit → handler latency on one idle instance (p50, p99). A payment is cancelled through the service
 *     (a local transition: no ClickPesa call); a store wrapper notes when the commit returned, the handler
 *     when it started. Baseline: that commit's own duration (one store round trip on this machine, now).
 *  2. Events delivered per second. EVENTS events are written while the dispatcher is stopped, then it is
 *     started and timed until the last handler ran. Baseline: transitions per second of the same store
 *     (the writes that produced those events), measured in the same run.
 *  3. `kill`: a child process pays 1,000 payments and is killed with SIGKILL part way; a second one drains
 *     the outbox. Every stored event reached the handler (0 lost). See kill-run.ts.
 * Targets: p50 ≤ 20 ms on one idle instance; ≥ 2,000 events/s on SQLite.
 *
 *   pnpm --filter @clickpesa-kit/bench events [memory sqlite postgres kill]
 *   BENCH_LATENCY_SAMPLES=300 BENCH_EVENTS=5000 (defaults)
 *   PostgreSQL: CLICKPESA_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { type ClickPesaPayments, createClickPesaPayments, type PaymentStore } from '@clickpesa-kit/core';
import { makeEvent, makePayment } from '@clickpesa-kit/store-tests';
import { memorySubject, postgresSubject, type Subject, sqliteSubject } from '../stores/subjects.js';
import { killRun } from './kill-run.js';

const wanted =
  process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['memory', 'sqlite', 'postgres', 'kill'];
const SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 300);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 5_000);
const PG_URL = process.env.CLICKPESA_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A kit that never calls ClickPesa (cancel is local), with one handler that reports when it ran. */
function kitOn(
  store: PaymentStore,
  onEvent: (paymentId: string) => void,
  autoStart = true,
): ClickPesaPayments {
  return createClickPesaPayments({
    store,
    authenticate: () => ({ id: 'bench' }),
    clickpesa: { clientId: 'bench', apiKey: 'bench', baseUrl: 'http://127.0.0.1:9/third-parties' },
    poller: false,
    retention: false,
    autoStart,
    dispatcher: { pollIntervalMs: 1_000, batchSize: 100, concurrency: 16 },
    handlers: {
      'payment.cancelled': (event) => onEvent(event.paymentId),
      'payment.status_changed': () => {},
      'payment.created': () => {},
    },
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

async function latency(subject: Subject): Promise<{ p50: number; p99: number; commitP50: number }> {
  const committedAt = new Map<string, number>();
  const commitMs: number[] = [];
  const base = subject.store;
  const timed: PaymentStore = Object.create(base, {
    transition: {
      value: async (input: Parameters<PaymentStore['transition']>[0]) => {
        const started = performance.now();
        const result = await base.transition(input);
        const now = performance.now();
        committedAt.set(input.paymentId, now);
        commitMs.push(now - started);
        return result;
      },
    },
  });
  const samples: number[] = [];
  let arrived: (() => void) | null = null;
  const payments = kitOn(timed, (paymentId) => {
    const at = committedAt.get(paymentId);
    if (at !== undefined) samples.push(performance.now() - at);
    arrived?.();
  });
  try {
    for (let i = 0; i < SAMPLES; i++) {
      const payment = makePayment({ ownerId: 'bench' });
      await base.createPayment({ payment });
      const handled = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      await payments.service.cancel('bench', payment.id);
      await handled;
      // one at a time, on an idle instance: the next commit waits until this event was handled
    }
  } finally {
    await payments.close();
  }
  samples.sort((a, b) => a - b);
  commitMs.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), commitP50: percentile(commitMs, 50) };
}

async function throughput(subject: Subject): Promise<{ perSecond: number; baselinePerSecond: number }> {
  const store = subject.store;
  const ids: string[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const payment = makePayment({ ownerId: 'bench' });
    await store.createPayment({ payment });
    ids.push(payment.id);
  }
  // baseline: the writes themselves (one transition with one event each, no consumer)
  const baselineStarted = performance.now();
  for (const id of ids) {
    await store.transition({
      paymentId: id,
      expectedVersion: 1,
      changes: { pollCount: 1 },
      events: [makeEvent('payment.status_changed')],
    });
  }
  const baselinePerSecond = EVENTS / ((performance.now() - baselineStarted) / 1000);
  // the measured run: the same number of events, written for the handlers while no dispatcher runs
  for (const id of ids) {
    await store.transition({
      paymentId: id,
      expectedVersion: 2,
      changes: { status: 'cancelled', pollCount: 2 },
      events: [{ ...makeEvent('payment.cancelled'), deliverTo: ['handlers'] }],
    });
  }
  let handled = 0;
  let done: () => void = () => {};
  const allHandled = new Promise<void>((resolve) => {
    done = resolve;
  });
  const payments = kitOn(
    store,
    () => {
      if (++handled === EVENTS) done();
    },
    false,
  );
  const started = performance.now();
  payments.start();
  await allHandled;
  const perSecond = EVENTS / ((performance.now() - started) / 1000);
  await payments.close();
  return { perSecond, baselinePerSecond };
}

const subjects: Record<string, () => Promise<Subject>> = {
  memory: () => memorySubject(),
  sqlite: () => sqliteSubject('normal'),
  postgres: () => postgresSubject(PG_URL),
};

console.log(
  `bench/events — Node ${process.version}, ${cpus().length} cores, load ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}; ${SAMPLES} latency samples, ${EVENTS} events for throughput`,
);
for (const name of wanted) {
  if (name === 'kill') {
    const result = await killRun(PG_URL);
    console.log(
      `kill -9 run (${result.store}): ${result.payments} payments, killed after ${result.killedAfter} answered; ` +
        `${result.stored} events stored, ${result.delivered} delivered to the handler, ${result.lost} lost, ` +
        `${result.redelivered} delivered twice (at least once: the handler dedupes on eventId)`,
    );
    continue;
  }
  const make = subjects[name];
  if (!make) throw new Error(`unknown subject ${name} (memory, sqlite, postgres, kill)`);
  let subject: Subject;
  try {
    subject = await make();
  } catch (error) {
    console.log(`${name}: skipped (${(error as Error).message})`);
    continue;
  }
  try {
    const lat = await latency(subject);
    const thr = await throughput(subject);
    console.log(
      `${name.padEnd(8)} commit→handler p50 ${lat.p50.toFixed(2)} ms, p99 ${lat.p99.toFixed(2)} ms ` +
        `(${(lat.p50 / lat.commitP50).toFixed(2)}× one commit, ${lat.commitP50.toFixed(2)} ms) | ` +
        `${Math.round(thr.perSecond)} events/s delivered ` +
        `(${(thr.perSecond / thr.baselinePerSecond).toFixed(2)}× the store's ${Math.round(thr.baselinePerSecond)} transitions/s)`,
    );
  } finally {
    await subject.dispose();
  }
}
