// What the three example apps share, so each app file shows only its framework's integration.
export { type ApiTokens, DEFAULT_API_TOKENS, parseApiTokens, type ShopUser } from './api-tokens.js';
export type { CheckoutConfig, CheckoutPage, PageFile } from './checkout-page.js';
export {
  type ClickPesaChoice,
  type DatabaseChoice,
  DEFAULT_SANDBOX_APPROVE_DELAY_MS,
  type ExampleConfig,
  readExampleConfig,
} from './config.js';
export { serveHttp, serverUrl } from './http-server.js';
export { openOrderBook } from './orders/open-order-book.js';
export type {
  AppliedPaymentEvent,
  NewOrderResult,
  Order,
  OrderBook,
  OrderStatus,
  PaymentEventForOrders,
} from './orders/order-book.js';
export { orderEventHandlers } from './orders/orders-follow-payments.js';
export { runExample, startupProblem } from './run-example.js';
export { API_BASE, prepareShop, type RunningShop, type Shop, type StartShop } from './shop.js';
export { type Answer, ShopAnswers } from './shop-answers.js';
export { type MetricsAnswer, ShopMetrics } from './shop-metrics.js';
export { StartupError } from './startup-error.js';
