import type { ClickPesaPayments } from '@clickpesa-kit/core';
import { collectMetrics, type PaymentsMetrics } from '@clickpesa-kit/metrics';
import { Registry } from 'prom-client';

/** `GET /metrics` as any framework writes it. */
export interface MetricsAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The shop's Prometheus registry: the kit's metrics (`@clickpesa-kit/metrics`) in a registry of the shop's
 * own, so two shops in one process (the tests) never share counters. A real app would add its own metrics
 * (and prom-client's `collectDefaultMetrics`) to the same registry, and serve `/metrics` on an internal port
 * or behind its own auth: metrics tell an outsider how much money moves.
 */
export class ShopMetrics {
  readonly registry = new Registry();
  #collected: PaymentsMetrics | null = null;

  /** Starts counting the kit's events; the app calls it once it has built the kit. */
  watch(payments: ClickPesaPayments): void {
    this.#collected ??= collectMetrics(payments, { registry: this.registry });
  }

  async answer(): Promise<MetricsAnswer> {
    return {
      status: 200,
      headers: { 'content-type': this.registry.contentType, 'cache-control': 'no-store' },
      body: await this.registry.metrics(),
    };
  }

  stop(): void {
    this.#collected?.stop();
    this.#collected = null;
  }
}
