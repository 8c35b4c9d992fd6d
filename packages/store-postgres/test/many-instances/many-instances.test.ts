/**
 * POLL-1..3, POLL-5, CS-3 end to end (docs/requirements.md; setup in docs/many-instances.md): three
 * app instances — separate processes, each with its own poller — on one PostgreSQL schema, 1,000 payments
 * through the sandbox with ~30 % of the webhooks lost, one instance SIGKILLed at 40 %. The sandbox's request
 * log is the ground truth for upstream calls; the store's rows are the truth for state and events.
 */
import type { PaymentStatus } from '@clickpesa-kit/core';
import type { StoredEvent } from '@clickpesa-kit/core/store';
import { type RequestLogEntry, type Sandbox, startSandbox } from '@clickpesa-kit/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore, type PostgresStore } from '../../src/index.js';
import { dropSchema, findTestDatabase, uniqueSchema } from '../test-database.js';
import { type InstanceProcess, startInstance } from './instance-processes.js';
import type { InstanceConfig } from './messages.js';
import { STALE_LEASE_MESSAGE } from './messages.js';
import { type DrivenPayment, drivePayments } from './payment-driver.js';
import {
  busiestWindow,
  duplicates,
  eventProblems,
  expectedStatus,
  initiatedTwice,
  providerCalls,
  queriesTooClose,
} from './run-checks.js';
import { startWebhookRelay, type WebhookRelay } from './webhook-relay.js';

const database = await findTestDatabase();
const suite = database.url === undefined ? describe.skip : describe;

const PAYMENTS = 1_000;
const KILL_AFTER_ANSWERED = 400;
const POSTS_IN_FLIGHT = 12;
const WEBHOOK_LOSS_PERCENT = 30;
/** Cycled while the run goes, so customers answer after different delays. */
const APPROVE_DELAYS_MS = [50, 150, 300, 600];
/**
 * Last digit of each phone number, cycled: mostly approvals (0–4, webhook), rejections (5), insufficient
 * balance (6), approvals without a webhook (8) and invalid numbers (9, initiate 400). No 7: it never resolves.
 */
const SCENARIO_DIGITS = [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 5, 6, 8, 8, 9, 3, 4];

/** The poll schedule scaled down (kit defaults: 15 s / 10 s / 90 s). */
const SCHEDULE = {
  firstCheckMs: 1_000,
  intervalMs: 1_000,
  activeWindowMs: 60_000,
  backoffBaseMs: 2_000,
  backoffCapMs: 10_000,
};
const POLLER: InstanceConfig['poller'] = {
  tickMs: 100,
  // short, so the killed instance's claims come free soon (kit default 60 s) and a check that waits in the
  // budget longer than its lease would be made twice — the poller aborts such a wait before the lease ends
  leaseMs: 5_000,
  webhookConfirmWindowMs: 1_000,
  // per-reference queries only (no GET /payments/all sweeps), so every check is a call about one payment
  listSweeps: false,
  batchWindowMs: 0,
  queryConcurrency: 4,
};
/**
 * The provider budget every instance shares through the store's bucket: 300 calls per 5 s, each call
 * counting 1 s longer than the window (windowMarginMs) to absorb loopback jitter. The sandbox enforces the
 * same limit upstream (429 beyond it).
 */
const BUDGET = { requestsPerMinute: 300, windowMs: 5_000, windowMarginMs: 1_000 };
/** How much later than sent a query may be logged by the sandbox (event-loop lag under load on 2 cores). */
const LOG_JITTER_MS = 250;
const SETTLE_TIMEOUT_MS = 150_000;

interface PaymentRow {
  id: string;
  order_reference: string;
  order_references: string[];
  msisdn: string;
  status: PaymentStatus;
  attempt_started_at: Date;
}

suite(`many instances on one PostgreSQL${database.skipReason ? ` — ${database.skipReason}` : ''}`, () => {
  const url = database.url ?? '';
  const schema = uniqueSchema('cpk_many');
  const runId = schema.slice(-8);
  const instances: InstanceProcess[] = [];
  let store: PostgresStore;
  let sandbox: Sandbox;
  let relay: WebhookRelay;

  const live = () => instances.filter((instance) => instance.alive).map((instance) => instance.origin);

  beforeAll(async () => {
    store = createPostgresStore({ connectionString: url, schema, maxConnections: 4 });
    await store.migrate();
    await store.pool.query(
      `CREATE TABLE "${schema}".test_deliveries (event_id text NOT NULL, instance_id text NOT NULL)`,
    );
    relay = await startWebhookRelay(live, WEBHOOK_LOSS_PERCENT);
    sandbox = await startSandbox({
      checksumKey: 'many-instances-checksum-key',
      webhookUrl: relay.url,
      approveDelayMs: APPROVE_DELAYS_MS[0]!,
      rateLimit: { limit: BUDGET.requestsPerMinute, windowMs: BUDGET.windowMs },
    });
    const started = await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        startInstance({
          instanceId: `instance-${name}`,
          databaseUrl: url,
          schema,
          sandboxUrl: sandbox.url,
          clientId: sandbox.clientId,
          apiKey: sandbox.apiKey,
          checksumKey: 'many-instances-checksum-key',
          schedule: SCHEDULE,
          poller: POLLER,
          budget: BUDGET,
          idempotencyLockMs: 3_000,
          notFoundGraceMs: 5_000,
        }),
      ),
    );
    instances.push(...started);
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled(instances.map((instance) => instance.stop()));
    await relay?.close();
    await sandbox?.close();
    await store?.close();
    if (url) await dropSchema(url, schema);
  }, 60_000);

  // no retry: a second run would find the victim already dead and the sandbox already full
  it('1,000 payments, lost webhooks, one instance SIGKILLed: every payment final, no double work, one budget', {
    retry: 0,
    timeout: 300_000,
  }, async () => {
    const victim = instances[1]!;
    let killedAt = Number.POSITIVE_INFINITY;
    let answeredSoFar = 0;
    const driven = await drivePayments({
      count: PAYMENTS,
      concurrency: POSTS_IN_FLIGHT,
      msisdnOf,
      keyPrefix: `many-${runId}`,
      targets: live,
      // the kill lands while a POST to the victim is on its way, so at least one is cut off on every run
      onTry(target) {
        if (answeredSoFar >= KILL_AFTER_ANSWERED && victim.alive && target === victim.origin) {
          killedAt = Date.now();
          victim.kill();
        }
      },
      onAnswered(answered) {
        answeredSoFar = answered;
        if (answered % 100 === 0) {
          sandbox.configure({
            approveDelayMs: APPROVE_DELAYS_MS[(answered / 100) % APPROVE_DELAYS_MS.length]!,
          });
        }
      },
    });
    expect(victim.alive).toBe(false);
    // the kill cut requests off mid-flight; each was repeated with its key until it got its payment
    expect(driven.filter((payment) => payment.tries > 1).length).toBeGreaterThan(0);
    expect(driven.filter((payment) => payment.paymentId === null)).toEqual([]);

    const rows = await waitUntilSettled(sandbox);
    const slowestQueryMs = await slowestCallMs('query');
    // the outbox drains: the survivors' dispatchers take over what the killed one held once its leases expire
    await waitUntilDrained();
    const survivors = instances.filter((instance) => instance.alive);
    await Promise.all(survivors.map((instance) => instance.stop()));
    const log = providerCalls(sandbox.requests);

    // one payment per POST (no key made two), each the one its POST answered with
    expect(rows).toHaveLength(PAYMENTS);
    expect(new Set(rows.map((row) => row.msisdn)).size).toBe(PAYMENTS);
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(driven.filter((payment) => byId.get(payment.paymentId!)?.msisdn !== payment.msisdn)).toEqual([]);

    // every payment reached its final state, and it is the sandbox's truth
    expect(statusMismatches(rows, sandbox)).toEqual([]);

    // no push sent twice: one initiate per order reference, one order reference per payment
    expect(initiatedTwice(log)).toEqual({});
    expect(rows.filter((row) => row.order_references.length !== 1).map((row) => row.id)).toEqual([]);

    // at most one query per payment per due time (POLL-1), from the log and from the pollers' own fences:
    // a survivor whose fenced write found its lease taken had worked on a due time another poller also had
    expect(closeQueries(log, rows, driven, killedAt)).toEqual([]);
    const lostLeases = survivors.flatMap((instance) =>
      instance.logs
        .filter((line) => line.message === STALE_LEASE_MESSAGE)
        .map((line) => ({ instance: instance.id, paymentId: line.paymentId })),
    );
    expect(lostLeases).toEqual([]);

    // exactly one event per applied transition across all instances: in the store...
    const stored = new Map<string, StoredEvent[]>();
    for (const row of rows) stored.set(row.id, await store.listEvents(row.id));
    const allStored = [...stored.values()].flat();
    expect(duplicates(allStored.map((event) => event.id))).toEqual([]);
    expect(rows.flatMap((row) => eventProblems(row, stored.get(row.id) ?? []))).toEqual([]);
    // ...and as emitted: no event emitted twice (by one instance or by two), each one a stored event...
    const emitted = instances.flatMap((instance) => instance.events);
    expect(duplicates(emitted.map((event) => event.id))).toEqual([]);
    const storedById = new Map(allStored.map((event) => [event.id, event]));
    expect(
      emitted.filter(({ id, type, paymentId }) => {
        const match = storedById.get(id);
        return match?.type !== type || match.paymentId !== paymentId;
      }),
    ).toEqual([]);
    // ...and every event stored after the kill was emitted (only the killed instance may have died between
    // a commit and its emit; its outbox row stays for the dispatcher, CS-3)
    const emittedIds = new Set(emitted.map((event) => event.id));
    expect(
      allStored.filter((event) => !emittedIds.has(event.id) && event.occurredAt.getTime() > killedAt),
    ).toEqual([]);

    // ...and every stored event reached a durable handler (at least once, whichever instance; the killed
    // one's interrupted deliveries were made again by a survivor): none skipped (CS-7)
    const { rows: deliveryRows } = await store.pool.query<{ event_id: string; instance_id: string }>(
      `SELECT event_id, instance_id FROM "${schema}".test_deliveries`,
    );
    const deliveredIds = new Set(deliveryRows.map((row) => row.event_id));
    expect(allStored.filter((event) => !deliveredIds.has(event.id)).map((event) => event.id)).toEqual([]);
    expect(deliveryRows.filter((row) => !storedById.has(row.event_id))).toEqual([]);
    const redelivered = deliveryRows.length - deliveredIds.size;

    // the shared budget held (POLL-5): in no window did the sandbox see more calls than the budget allows,
    // so "ClickPesa", enforcing the same limit, never answered 429. Three per-process budgets would not hold.
    const busiest = busiestWindow(log, BUDGET.windowMs);
    expect(busiest.count).toBeLessThanOrEqual(BUDGET.requestsPerMinute);
    expect(log.filter((call) => call.status === 429)).toEqual([]);

    // the run really lost webhooks and really delivered the others
    expect(relay.dropped.size).toBeGreaterThan(0);
    expect(relay.forwarded.filter((webhook) => webhook.status === 200).length).toBeGreaterThan(0);

    const seconds = ((log.at(-1)!.at - log[0]!.at) / 1000).toFixed(1);
    console.info(
      `[many-instances] ${log.length} provider calls in ${seconds} s (busiest ${BUDGET.windowMs} ms window: ` +
        `${busiest.count}/${BUDGET.requestsPerMinute}), slowest query incl. budget wait ${slowestQueryMs} ms, ` +
        `${relay.dropped.size} webhooks lost, ${driven.filter((p) => p.tries > 1).length} POSTs repeated ` +
        `(${driven.filter((p) => p.replayed).length} replays), ${emitted.length}/${allStored.length} events emitted, ` +
        `${deliveredIds.size}/${allStored.length} delivered to durable handlers (${redelivered} twice)`,
    );
  });

  /** Waits until no outbox delivery is pending (the dispatchers delivered everything stored). */
  async function waitUntilDrained(): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const stats = await store.outboxStats();
      if (stats.pending === 0) return;
      if (Date.now() > deadline) throw new Error(`outbox not drained: ${stats.pending} pending`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** The longest applied call of an endpoint, budget wait included (the audit log's durationMs): diagnostics. */
  async function slowestCallMs(endpoint: string): Promise<number | null> {
    const { rows } = await store.pool.query<{ max: number | null }>(
      `SELECT max((data->>'durationMs')::int) AS max FROM "${schema}".audit_log
        WHERE kind = 'provider_response' AND data->>'endpoint' = $1`,
      [endpoint],
    );
    return rows[0]?.max ?? null;
  }

  /** Polls the store until every payment is final and agrees with the sandbox, or the deadline passes. */
  async function waitUntilSettled(sb: Sandbox): Promise<PaymentRow[]> {
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    for (;;) {
      const { rows } = await store.pool.query<PaymentRow>(
        `SELECT id, order_reference, order_references, msisdn, status, attempt_started_at
           FROM "${schema}".payments`,
      );
      if ((rows.length === PAYMENTS && statusMismatches(rows, sb).length === 0) || Date.now() > deadline) {
        return rows;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /**
   * "At most one provider query per payment per due time" (POLL-1), read from the sandbox log. After a check
   * is applied the payment is next due `intervalMs` later, or `webhookConfirmWindowMs` after a webhook that
   * arrives later still (a webhook's confirmation is a due time too: the poller makes it), and the first check
   * is `firstCheckMs` after creation. So two queries for one reference closer together than the smallest of
   * these, less LOG_JITTER_MS for the sandbox's arrival timestamps, served the same due time. Set aside:
   * - references whose POST the test repeated and got replayed: the replay confirms with a query of its own;
   * - pairs around the kill (earlier one before it, later one after): the earlier may have been the killed
   *   instance's, its answer lost with it, and a survivor asked again once that lease ran out;
   * - the last check of the active window, which comes at the window's end however close the one before.
   */
  function closeQueries(
    log: RequestLogEntry[],
    rows: PaymentRow[],
    driven: DrivenPayment[],
    killedAt: number,
  ): unknown[] {
    const minGapMs =
      Math.min(SCHEDULE.firstCheckMs, SCHEDULE.intervalMs, POLLER.webhookConfirmWindowMs) - LOG_JITTER_MS;
    const replayed = new Set(driven.filter((p) => p.replayed).map((p) => p.orderReference));
    const windowEnds = new Map(
      rows.map((row) => [row.order_reference, row.attempt_started_at.getTime() + SCHEDULE.activeWindowMs]),
    );
    return queriesTooClose(
      log,
      minGapMs,
      (pair) =>
        replayed.has(pair.orderReference) ||
        (pair.earlierAt <= killedAt + LOG_JITTER_MS && pair.laterAt >= killedAt) ||
        pair.laterAt >= (windowEnds.get(pair.orderReference) ?? 0) - LOG_JITTER_MS,
    );
  }
});

function msisdnOf(index: number): string {
  const digit = SCENARIO_DIGITS[index % SCENARIO_DIGITS.length]!;
  // 25575…: a Vodacom prefix; the index makes every number distinct (one push per MSISDN at a time)
  return `25575${String(index).padStart(6, '0')}${digit}`;
}

function statusMismatches(rows: PaymentRow[], sb: Sandbox) {
  return rows
    .map((row) => ({
      id: row.id,
      orderReference: row.order_reference,
      status: row.status,
      expected: expectedStatus(sb.getPayment(row.order_reference)),
    }))
    .filter((row) => row.status !== row.expected);
}
