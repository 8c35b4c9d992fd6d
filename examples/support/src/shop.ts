import type {
  ClickPesaClientOptions,
  ClickPesaPayments,
  Logger,
  PaymentStore,
  ProviderBudgetOptions,
} from '@clickpesa-kit/core';
import type { Sandbox } from '@clickpesa-kit/sandbox';
import type { ApiTokens } from './api-tokens.js';
import { type CheckoutPage, loadCheckoutPage } from './checkout-page.js';
import type { ExampleConfig } from './config.js';
import { consoleLogger } from './console-logger.js';
import { openOrderBook } from './orders/open-order-book.js';
import type { OrderBook } from './orders/order-book.js';
import { orderPrices, type ResolveOrderAmount } from './orders/order-prices.js';
import { openPaymentStore } from './payment-store.js';
import { startSandboxMode } from './sandbox-mode.js';
import { ShopAnswers } from './shop-answers.js';
import { ShopMetrics } from './shop-metrics.js';

/** Where every example mounts the payment routes. */
export const API_BASE = '/api/v1';

/** Fast polling for a sandbox demo; with real ClickPesa the page keeps the guide's 15 s / 10 s / 6 checks. */
const SANDBOX_POLL = { initialDelayMs: 1000, intervalMs: 1000, maxAttempts: 180 };
/** In sandbox mode an outage you stage (sandbox faults) ends quickly: the circuit probes after 2 s, not 30 s. */
const SANDBOX_BUDGET: ProviderBudgetOptions = { breaker: { probeIntervalMs: 2_000 } };

/**
 * Everything an example app needs besides its framework: the store, the ClickPesa settings (real or the
 * sandbox), the demo users, the shop's orders (in the payments' database) and the checkout page. The app
 * owns the kit and its server; the shop owns the store, the orders and the sandbox and closes them after the
 * app has stopped.
 */
export interface Shop {
  readonly store: PaymentStore;
  /** `clickpesa` option of the kit. */
  readonly clickpesa: ClickPesaClientOptions;
  readonly logger: Logger;
  /** Who a bearer token belongs to: the host's auth middleware asks this. */
  readonly users: ApiTokens;
  readonly orders: OrderBook;
  /** `resolveAmount` option of the kit: the order's amount is what a payment for it is charged. */
  readonly resolveAmount: ResolveOrderAmount;
  /** The shop's own routes and error handler, ready to be written by any framework. */
  readonly answers: ShopAnswers;
  readonly checkout: CheckoutPage;
  /** `budget` option of the kit (the ClickPesa request budget and circuit breaker). */
  readonly budget: ProviderBudgetOptions;
  /** The shop's Prometheus registry with the kit's metrics: the apps serve it at `/metrics`. */
  readonly metrics: ShopMetrics;
  /** The in-process sandbox in sandbox mode, else null. */
  readonly sandbox: Sandbox | null;
  /** Tells the sandbox where the webhook route listens, once the app's address is known. */
  listening(appUrl: string): void;
  /** Closes the sandbox, the orders and the store (after the app and its poller have stopped). */
  close(): Promise<void>;
}

/** What an example app returns once it listens. */
export interface RunningShop {
  /** e.g. "http://127.0.0.1:3000" */
  readonly url: string;
  /** The kit inside the app (tests look at its poller; hosts reach its service and events). */
  readonly payments: ClickPesaPayments;
  /** Stops taking requests and stops the poller. The store stays open: `Shop.close()` closes it. */
  close(): Promise<void>;
}

export type StartShop = (shop: Shop, address: { port: number; host: string }) => Promise<RunningShop>;

export async function prepareShop(config: ExampleConfig, logger: Logger = consoleLogger): Promise<Shop> {
  const store = await openPaymentStore(config.database);
  const closers: Array<() => Promise<void>> = [() => store.close()];
  const close = async () => {
    for (const closeOne of closers.splice(0).reverse()) await closeOne().catch(() => {});
  };
  try {
    // the shop's orders live in the same database as the payments
    const orders = await openOrderBook(config.database, logger);
    closers.push(() => orders.close());
    let sandbox: Sandbox | null = null;
    let clickpesa: ClickPesaClientOptions;
    if (config.clickpesa.mode === 'sandbox') {
      const mode = await startSandboxMode({ approveDelayMs: config.clickpesa.approveDelayMs });
      sandbox = mode.sandbox;
      clickpesa = mode.clickpesa;
      closers.push(() => mode.sandbox.close());
    } else {
      const { mode: _mode, ...credentials } = config.clickpesa;
      clickpesa = credentials;
    }
    const checkout = await loadCheckoutPage({
      apiBase: API_BASE,
      // demo sign-in is a sandbox convenience: a live page never gets anyone's token
      ...(sandbox ? { token: config.apiTokens.demoToken } : {}),
      sandbox: sandbox ? { phoneUrl: sandbox.phoneUrl } : null,
      poll: sandbox ? SANDBOX_POLL : {},
    });
    const metrics = new ShopMetrics();
    closers.push(async () => metrics.stop());
    return {
      store,
      clickpesa,
      budget: sandbox ? SANDBOX_BUDGET : {},
      metrics,
      logger,
      users: config.apiTokens,
      orders,
      resolveAmount: orderPrices(orders),
      answers: new ShopAnswers(orders, logger),
      checkout,
      sandbox,
      listening(appUrl) {
        sandbox?.configure({ webhookUrl: `${appUrl}${API_BASE}/callback` });
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
