import type {
  ClickPesaPayments,
  PaymentEvent,
  PaymentStatus,
  ProviderResponseEvent,
  WebhookEvent,
  WebhookRejectedEvent,
} from '@clickpesa-kit/core';
import { Counter, Gauge, register as globalRegistry, Histogram, type Registry } from 'prom-client';
import { pushResult, statusClass, webhookResult } from './labels.js';

/** What the metrics read from the kit: its live event bus, its outbox and its budget. */
export type MetricsSource = Pick<ClickPesaPayments, 'events' | 'outbox' | 'budget'>;

export interface CollectMetricsOptions {
  /** Where the metrics are registered. Default: prom-client's global `register`. */
  registry?: Registry;
  /** Prepended to every metric name. Default `clickpesa_`. */
  prefix?: string;
}

export interface PaymentsMetrics {
  /** The registry the metrics live in: serve `await registry.metrics()` as `registry.contentType`. */
  readonly registry: Registry;
  /** Detaches from the kit's events and removes the metrics from the registry. */
  stop(): void;
}

const FINAL: ReadonlySet<PaymentStatus> = new Set(['success', 'failed', 'cancelled', 'reversed']);
/** ClickPesa answers in tens to hundreds of ms; timeouts reach tens of seconds. */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** A customer answers a USSD prompt in seconds to minutes; reconciliation can take hours. */
const TO_FINAL_BUCKETS = [5, 15, 30, 60, 120, 300, 900, 3600, 21600, 86400];
/** ClickPesa waits for our acknowledgement: it should take milliseconds. */
const ACK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

/**
 * Prometheus metrics of one kit: counters and histograms fed by its live event bus, gauges read from the
 * outbox and the budget when the registry is scraped. Labels are bounded (endpoint, status class, final
 * status, reason, verification result, consumer, event type): never an id, a phone number or a reference.
 * One call per kit and registry; several kits in one process need a registry (or prefix) each.
 */
export function collectMetrics(
  payments: MetricsSource,
  options: CollectMetricsOptions = {},
): PaymentsMetrics {
  const registry = options.registry ?? globalRegistry;
  const prefix = options.prefix ?? 'clickpesa_';
  const registers = [registry];
  const name = (suffix: string) => `${prefix}${suffix}`;
  const { events, outbox, budget } = payments;

  const pushesSent = new Counter({
    name: name('pushes_sent_total'),
    help: 'USSD push calls made to ClickPesa, by result (accepted, rejected, failed)',
    labelNames: ['result'],
    registers,
  });
  const outcomes = new Counter({
    name: name('payment_outcomes_total'),
    help: 'Payments that reached a final status, by status and failure reason (none for success)',
    labelNames: ['status', 'reason'],
    registers,
  });
  const webhooks = new Counter({
    name: name('webhooks_total'),
    help: 'ClickPesa webhooks, by verification result (verified, unverified, duplicate, orphan, rejected) and rejection reason',
    labelNames: ['result', 'reason'],
    registers,
  });
  const providerCalls = new Counter({
    name: name('provider_calls_total'),
    help: 'Calls to ClickPesa, by endpoint and HTTP status class (network: no answer)',
    labelNames: ['endpoint', 'status_class'],
    registers,
  });
  const rateLimited = new Counter({
    name: name('provider_rate_limited_total'),
    help: 'ClickPesa answers 429 (rate limited), by endpoint',
    labelNames: ['endpoint'],
    registers,
  });
  const delivered = new Counter({
    name: name('events_delivered_total'),
    help: 'Stored events delivered to a consumer (handlers, callback), by consumer and event type',
    labelNames: ['consumer', 'type'],
    registers,
  });
  const deadLettered = new Counter({
    name: name('events_dead_lettered_total'),
    help: 'Stored events that exhausted their delivery attempts, by consumer and event type',
    labelNames: ['consumer', 'type'],
    registers,
  });
  const providerLatency = new Histogram({
    name: name('provider_request_duration_seconds'),
    help: 'Latency of ClickPesa calls, by endpoint',
    labelNames: ['endpoint'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const toFinal = new Histogram({
    name: name('payment_time_to_final_seconds'),
    help: "Time from an attempt's push to its final status, by final status",
    labelNames: ['status'],
    buckets: TO_FINAL_BUCKETS,
    registers,
  });
  const webhookAck = new Histogram({
    name: name('webhook_ack_duration_seconds'),
    help: 'Time from a webhook reaching the route to its answer',
    buckets: ACK_BUCKETS,
    registers,
  });

  // read on scrape: the budget keeps running totals, the outbox lives in the store
  let waitsSeen = 0;
  const budgetWaits = new Counter({
    name: name('budget_waits_total'),
    help: 'ClickPesa calls that waited for the request budget (spacing, a rate-limit pause, an open circuit)',
    registers,
    collect() {
      const waited = budget?.state().waited ?? 0;
      if (waited > waitsSeen) this.inc(waited - waitsSeen);
      waitsSeen = waited;
    },
  });
  const budgetWaiting = new Gauge({
    name: name('budget_waiting_calls'),
    help: 'Calls waiting for the request budget right now, by priority (user, background)',
    labelNames: ['priority'],
    registers,
    collect() {
      const state = budget?.state();
      this.set({ priority: 'user' }, state?.waiting.user ?? 0);
      this.set({ priority: 'background' }, state?.waiting.background ?? 0);
    },
  });
  const budgetPaused = new Gauge({
    name: name('budget_paused_seconds'),
    help: 'How much longer ClickPesa calls are paused after a rate limit (0: not paused)',
    registers,
    collect() {
      const until = Object.values(budget?.state().pausedUntil ?? {}).map((date) => date.getTime());
      this.set(Math.max(0, ...until.map((end) => (end - Date.now()) / 1000)));
    },
  });
  const circuit = new Gauge({
    name: name('provider_circuit_state'),
    help: 'The ClickPesa circuit breaker: 1 for its current state (closed, open, half_open), 0 for the others',
    labelNames: ['state'],
    registers,
    collect() {
      const current = budget?.state().circuit ?? 'closed';
      for (const state of ['closed', 'open', 'half_open']) this.set({ state }, state === current ? 1 : 0);
    },
  });
  const outboxGauges = outboxMetrics(outbox, name, registers);

  const onProviderResponse = (event: ProviderResponseEvent) => {
    providerCalls.inc({ endpoint: event.endpoint, status_class: statusClass(event.status) });
    providerLatency.observe({ endpoint: event.endpoint }, event.durationMs / 1000);
    if (event.status === 429) rateLimited.inc({ endpoint: event.endpoint });
    if (event.endpoint === 'initiate') pushesSent.inc({ result: pushResult(event) });
  };
  const subscriptions: [string, (...args: never[]) => void][] = [
    ['provider.response', onProviderResponse],
    [
      'payment.status_changed',
      (event: PaymentEvent) => {
        const to = event.to ?? event.payment.status;
        if (!FINAL.has(to)) return;
        outcomes.inc({ status: to, reason: event.payment.failureReason ?? 'none' });
        const seconds = (event.occurredAt.getTime() - event.payment.attemptStartedAt.getTime()) / 1000;
        toFinal.observe({ status: to }, Math.max(0, seconds));
      },
    ],
    [
      'webhook.received',
      (event: WebhookEvent) => webhooks.inc({ result: webhookResult(event), reason: 'none' }),
    ],
    [
      'webhook.rejected',
      (event: WebhookRejectedEvent) => webhooks.inc({ result: 'rejected', reason: event.reason }),
    ],
    ['webhook.acknowledged', (event: { durationMs: number }) => webhookAck.observe(event.durationMs / 1000)],
    [
      'outbox.delivered',
      (event: { consumer: string; type: string }) =>
        delivered.inc({ consumer: event.consumer, type: event.type }),
    ],
    [
      'outbox.dead_lettered',
      (event: { consumer: string; type: string }) =>
        deadLettered.inc({ consumer: event.consumer, type: event.type }),
    ],
  ];
  const bus = events as unknown as {
    on(type: string, listener: (...args: never[]) => void): void;
    off(type: string, listener: (...args: never[]) => void): void;
  };
  for (const [type, listener] of subscriptions) bus.on(type, listener);

  const all = [
    pushesSent,
    outcomes,
    webhooks,
    providerCalls,
    rateLimited,
    delivered,
    deadLettered,
    providerLatency,
    toFinal,
    webhookAck,
    budgetWaits,
    budgetWaiting,
    budgetPaused,
    circuit,
    ...outboxGauges,
  ];
  return {
    registry,
    stop() {
      for (const [type, listener] of subscriptions) bus.off(type, listener);
      for (const metric of all) registry.removeSingleMetric((metric as unknown as { name: string }).name);
    },
  };
}

/** The outbox's size and lag, asked of the store once per scrape (one query for the three gauges). */
function outboxMetrics(
  outbox: ClickPesaPayments['outbox'],
  name: (suffix: string) => string,
  registers: Registry[],
) {
  let snapshot: Promise<{ pending: number; dead: number; lagSeconds: number } | null> | null = null;
  // the three gauges are collected one after another in one scrape: they share the store round trip
  const read = () => {
    snapshot ??= outbox
      .stats()
      .then(
        (stats) => ({
          pending: stats.pending,
          dead: stats.dead,
          lagSeconds: stats.oldestPendingAt
            ? Math.max(0, (Date.now() - stats.oldestPendingAt.getTime()) / 1000)
            : 0,
        }),
        () => null,
      )
      .finally(() => setTimeout(() => (snapshot = null), 0));
    return snapshot;
  };
  const gauge = (
    suffix: string,
    help: string,
    pick: (stats: { pending: number; dead: number; lagSeconds: number }) => number,
  ) =>
    new Gauge({
      name: name(suffix),
      help,
      registers,
      async collect() {
        const stats = await read();
        // a store that does not answer leaves the last value: the scrape still succeeds
        if (stats) this.set(pick(stats));
      },
    });
  return [
    gauge('outbox_pending_events', 'Stored events not yet delivered to every consumer', (s) => s.pending),
    gauge(
      'outbox_dead_letters',
      'Event deliveries that gave up (replay them after fixing the cause)',
      (s) => s.dead,
    ),
    gauge(
      'outbox_lag_seconds',
      'Age of the oldest undelivered event (0 when none is waiting)',
      (s) => s.lagSeconds,
    ),
  ];
}
