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

/** What the metrics read from the kit: its live event bus, its outbox, its budget and its store. */
export type MetricsSource = Pick<ClickPesaPayments, 'events' | 'outbox' | 'budget' | 'store'>;

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
  // every metric is named through here, so stop() knows what to unregister
  const names: string[] = [];
  const name = (suffix: string) => {
    names.push(`${prefix}${suffix}`);
    return `${prefix}${suffix}`;
  };
  const { events, outbox, budget, store } = payments;

  const counter = (suffix: string, help: string, labelNames: string[]) =>
    new Counter({ name: name(suffix), help, labelNames, registers });
  const histogram = (suffix: string, help: string, buckets: number[], labelNames: string[] = []) =>
    new Histogram({ name: name(suffix), help, labelNames, buckets, registers });

  const pushesSent = counter(
    'pushes_sent_total',
    'USSD push calls made to ClickPesa, by result (accepted, rejected, failed)',
    ['result'],
  );
  const outcomes = counter(
    'payment_outcomes_total',
    'Payments that reached a final status, by status and failure reason (none for success)',
    ['status', 'reason'],
  );
  const webhooks = counter(
    'webhooks_total',
    'ClickPesa webhooks, by verification result (verified, unverified, duplicate, orphan, rejected) and rejection reason',
    ['result', 'reason'],
  );
  const providerCalls = counter(
    'provider_calls_total',
    'Calls to ClickPesa, by endpoint and HTTP status class (network: no answer)',
    ['endpoint', 'status_class'],
  );
  const rateLimited = counter(
    'provider_rate_limited_total',
    'ClickPesa answers 429 (rate limited), by endpoint',
    ['endpoint'],
  );
  const delivered = counter(
    'events_delivered_total',
    'Stored events delivered to a consumer (handlers, callback), by consumer and event type',
    ['consumer', 'type'],
  );
  const deadLettered = counter(
    'events_dead_lettered_total',
    'Stored events that exhausted their delivery attempts, by consumer and event type',
    ['consumer', 'type'],
  );
  const providerLatency = histogram(
    'provider_request_duration_seconds',
    'Latency of ClickPesa calls, by endpoint',
    LATENCY_BUCKETS,
    ['endpoint'],
  );
  const toFinal = histogram(
    'payment_time_to_final_seconds',
    "Time from an attempt's push to its final status, by final status",
    TO_FINAL_BUCKETS,
    ['status'],
  );
  const webhookAck = histogram(
    'webhook_ack_duration_seconds',
    'Time from a webhook reaching the route to its answer',
    ACK_BUCKETS,
  );

  // read on scrape: the budget keeps running totals, the outbox lives in the store
  let waitsSeen = 0;
  new Counter({
    name: name('budget_waits_total'),
    help: 'ClickPesa calls that waited for the request budget (spacing, a rate-limit pause, an open circuit)',
    registers,
    collect() {
      const waited = budget?.state().waited ?? 0;
      if (waited > waitsSeen) this.inc(waited - waitsSeen);
      waitsSeen = waited;
    },
  });
  new Gauge({
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
  new Gauge({
    name: name('budget_paused_seconds'),
    help: 'How much longer ClickPesa calls are paused after a rate limit (0: not paused)',
    registers,
    collect() {
      const until = Object.values(budget?.state().pausedUntil ?? {}).map((date) => date.getTime());
      this.set(Math.max(0, ...until.map((end) => (end - Date.now()) / 1000)));
    },
  });
  new Gauge({
    name: name('provider_circuit_state'),
    help: 'The ClickPesa circuit breaker: 1 for its current state (closed, open, half_open), 0 for the others',
    labelNames: ['state'],
    registers,
    collect() {
      const current = budget?.state().circuit ?? 'closed';
      for (const state of ['closed', 'open', 'half_open']) this.set({ state }, state === current ? 1 : 0);
    },
  });
  outboxMetrics(outbox, name, registers);
  // a store that cannot count its active payments (an older custom store) has no such gauge
  const countActive = store.countActivePayments?.bind(store);
  if (countActive) {
    new Gauge({
      name: name('payments_active'),
      help: 'Payments waiting for their outcome right now, by status (pending, processing), over all instances',
      labelNames: ['status'],
      registers,
      async collect() {
        const counts = await countActive().catch(() => null);
        // a store that does not answer leaves the last values: the scrape still succeeds
        if (!counts) return;
        this.set({ status: 'pending' }, counts.pending);
        this.set({ status: 'processing' }, counts.processing);
      },
    });
  }

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

  return {
    registry,
    stop() {
      for (const [type, listener] of subscriptions) bus.off(type, listener);
      for (const metricName of names) registry.removeSingleMetric(metricName);
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
