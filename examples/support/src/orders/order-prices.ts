import type { ClickPesaPaymentsOptions } from '@clickpesa-kit/core';
import type { OrderBook } from './order-book.js';

export type ResolveOrderAmount = NonNullable<ClickPesaPaymentsOptions['resolveAmount']>;

/**
 * The kit's `resolveAmount` for the shop: a payment is charged its order's amount, never the browser's. No
 * order (or someone else's, or one already paid) is null, which the kit answers 404 ORDER_NOT_FOUND before
 * anything is stored or pushed.
 */
export function orderPrices(orders: OrderBook): ResolveOrderAmount {
  return ({ owner, externalOrderId }) =>
    externalOrderId === null ? null : orders.priceOf(String(owner), externalOrderId);
}
