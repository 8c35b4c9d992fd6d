/**
 * Store benchmark: memory, SQLite and PostgreSQL in one run.
 *  1. Transitions per second: compare-and-set + one event + one audit entry, one at a time
 *     (PostgreSQL also with 8 in flight on different payments).
 *  2. The poller's claim: claimDue(limit 100) on a table of 10k rows vs one of 1M rows (same mix: 10 % due,
 *     40 % due later, 50 % never). Claims alternate between the two tables, so load drift (and fsync
 *     latency) hits both alike; leases are freed between claims, so each one does the same work.
 * Targets: claim at 1M within 1.5× of claim at 10k (the index does its work); SQLite ≥ 5,000 transitions/s.
 *
 *   pnpm --filter @clickpesa-kit/bench stores [memory sqlite node-sqlite postgres]
 *   node-sqlite: the SQLite store over Node's built-in node:sqlite (Node 22.13+); with `sqlite` in the same
 *   run it also prints its ratios against better-sqlite3. On Node 22/24 run it through
 *   tools/test-on-node.sh VERSION -- pnpm --filter @clickpesa-kit/bench stores sqlite node-sqlite
 *   BENCH_BIG_ROWS=1000000 BENCH_TRANSITIONS=5000 BENCH_CLAIMS=30 (defaults)
 *   PostgreSQL: CLICKPESA_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test); skipped if unreachable.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import type { PaymentStore } from '@clickpesa-kit/core';
import { makeAudit, makeEvent, makePayment } from '@clickpesa-kit/store-tests';
import { memorySubject, postgresSubject, type Subject, sqliteSubject } from './subjects.js';

const wanted = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['memory', 'sqlite', 'postgres'];
const SMALL_ROWS = 10_000;
const BIG_ROWS = Number(process.env.BENCH_BIG_ROWS ?? 1_000_000);
const TRANSITIONS = Number(process.env.BENCH_TRANSITIONS ?? 5_000);
const CLAIMS = Number(process.env.BENCH_CLAIMS ?? 30);
const BATCH = 100;
const PG_URL = process.env.CLICKPESA_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Transitions per second with `inFlight` concurrent writers, each on its own payments, and the CPU time this
 * process spent per transition (all of the work for memory and SQLite, whatever the neighbours' load).
 */
async function transitionsPerSecond(
  store: PaymentStore,
  inFlight: number,
): Promise<{ perSecond: number; cpuUs: number }> {
  const payments = Array.from({ length: 500 }, () => makePayment());
  for (const payment of payments)
    await store.createPayment({ payment, events: [makeEvent('payment.created')] });
  const versions = new Map(payments.map((payment) => [payment.id, 1]));
  let started = 0;
  const worker = async (lane: number) => {
    const mine = payments.filter((_, i) => i % inFlight === lane);
    for (let i = 0; started < TRANSITIONS; i++) {
      started++;
      const payment = mine[i % mine.length]!;
      const version = versions.get(payment.id)!;
      const now = new Date();
      const result = await store.transition({
        paymentId: payment.id,
        expectedVersion: version,
        changes: {
          pollCount: version,
          lastCheckedAt: now,
          updatedAt: now,
          nextPollAt: new Date(now.getTime() + 60 * 60_000),
        },
        events: [makeEvent('payment.status_changed')],
        audit: [makeAudit(payment.id, { kind: 'transition', data: { poll: version } })],
      });
      if (!result.applied) throw new Error(`transition not applied: ${result.reason}`);
      versions.set(payment.id, version + 1);
    }
  };
  const begin = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: inFlight }, (_, lane) => worker(lane)));
  const used = process.cpuUsage(cpu);
  return {
    perSecond: (TRANSITIONS / (performance.now() - begin)) * 1000,
    cpuUs: (used.user + used.system) / TRANSITIONS,
  };
}

/** One timed claimDue(limit 100); the leases are then freed through the contract, untimed. */
async function timedClaim(store: PaymentStore): Promise<number> {
  const begin = performance.now();
  const claimed = await store.claimDue({ now: new Date(), limit: BATCH, leaseMs: 60_000, owner: 'bench' });
  const elapsed = performance.now() - begin;
  if (claimed.length !== BATCH) throw new Error(`claimed ${claimed.length}, expected ${BATCH}`);
  for (const claim of claimed) await store.releaseLease(claim.payment.id, claim.leaseToken);
  return elapsed;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Median claim times on the small and the big table, alternating (after 3 warm-up rounds). */
async function claimTimes(small: Subject, big: Subject): Promise<{ small: number; big: number }> {
  const times = { small: [] as number[], big: [] as number[] };
  for (let round = 0; round < CLAIMS + 3; round++) {
    const [first, second] = round % 2 === 0 ? (['small', 'big'] as const) : (['big', 'small'] as const);
    const a = await timedClaim((first === 'small' ? small : big).store);
    const b = await timedClaim((second === 'small' ? small : big).store);
    if (round < 3) continue;
    times[first].push(a);
    times[second].push(b);
  }
  return { small: median(times.small), big: median(times.big) };
}

/** `baseline`: the factory this one is compared with when both ran (node:sqlite against better-sqlite3). */
type Factory = { name: string; make: () => Promise<Subject>; baseline?: string };

function factories(name: string): Factory[] {
  if (name === 'memory') return [{ name: 'memory', make: memorySubject }];
  if (name === 'sqlite') {
    return [
      { name: 'sqlite (synchronous=normal, default)', make: () => sqliteSubject('normal') },
      { name: 'sqlite (synchronous=full)', make: () => sqliteSubject('full') },
    ];
  }
  if (name === 'node-sqlite') {
    return [
      {
        name: 'sqlite via node:sqlite (synchronous=normal)',
        make: () => sqliteSubject('normal', 'node:sqlite'),
        baseline: 'sqlite (synchronous=normal, default)',
      },
      {
        name: 'sqlite via node:sqlite (synchronous=full)',
        make: () => sqliteSubject('full', 'node:sqlite'),
        baseline: 'sqlite (synchronous=full)',
      },
    ];
  }
  if (name === 'postgres') return [{ name: 'postgres', make: () => postgresSubject(PG_URL) }];
  throw new Error(`unknown store ${name}`);
}

const rows: string[] = [];
type Measured = { perSecond: number; cpuUs: number; claimSmall: number; claimBig: number };
const measured = new Map<string, Measured>();
const ratios: string[] = [];
console.log(
  `${cpus().length} × ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
);
console.log(
  `${TRANSITIONS} transitions; claims of ${BATCH}: median of ${CLAIMS}; ${SMALL_ROWS} vs ${BIG_ROWS} rows\n`,
);
for (const factory of wanted.flatMap(factories)) {
  let small: Subject;
  let big: Subject;
  try {
    small = await factory.make();
    big = await factory.make();
  } catch (error) {
    console.error(`${factory.name} skipped: ${(error as Error).message}`);
    continue;
  }
  try {
    const load = loadavg()[0]!.toFixed(1);
    const sequential = await transitionsPerSecond(small.store, 1);
    const concurrent = factory.name === 'postgres' ? await transitionsPerSecond(small.store, 8) : null;
    await small.fillTo(SMALL_ROWS);
    await big.fillTo(BIG_ROWS);
    const claim = await claimTimes(small, big);
    const row = [
      factory.name,
      Math.round(sequential.perSecond).toLocaleString('en'),
      // PostgreSQL does its work in the server: this process's CPU says nothing about it.
      concurrent === null ? Math.round(sequential.cpuUs) : '–',
      concurrent === null ? '–' : Math.round(concurrent.perSecond).toLocaleString('en'),
      claim.small.toFixed(2),
      claim.big.toFixed(2),
      `${(claim.big / claim.small).toFixed(2)}×`,
      load,
    ];
    rows.push(`| ${row.join(' | ')} |`);
    console.log(rows.at(-1));
    const result = {
      perSecond: sequential.perSecond,
      cpuUs: sequential.cpuUs,
      claimSmall: claim.small,
      claimBig: claim.big,
    };
    measured.set(factory.name, result);
    const base = factory.baseline === undefined ? undefined : measured.get(factory.baseline);
    if (base) ratios.push(`| ${factory.name} | ${ratioRow(result, base).join(' | ')} |`);
  } finally {
    await small.dispose();
    await big.dispose();
  }
}
console.log(
  '\n| store | transitions/s (1 in flight) | CPU µs / transition | transitions/s (8 in flight) | claim 100 @10k (ms) | claim 100 @1M (ms) | 1M / 10k | load avg |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
if (ratios.length > 0) {
  console.log(
    '\nAgainst better-sqlite3 in this run (same synchronous setting; >1× means node:sqlite is higher):',
  );
  console.log('| store | transitions/s | CPU µs / transition | claim @10k time | claim @1M time |');
  console.log('|---|---|---|---|---|');
  for (const row of ratios) console.log(row);
}

function ratioRow(result: Measured, base: Measured): string[] {
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  return [
    ratio(result.perSecond, base.perSecond),
    ratio(result.cpuUs, base.cpuUs),
    ratio(result.claimSmall, base.claimSmall),
    ratio(result.claimBig, base.claimBig),
  ];
}
