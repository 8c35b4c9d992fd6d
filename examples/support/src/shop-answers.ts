import type { ErrorCode, Logger } from '@clickpesa-kit/core';
import type { ShopUser } from './api-tokens.js';
import type { OrderBook } from './orders/order-book.js';

/** A framework-neutral answer: each example writes it with its own `res` / `reply` / `ctx`. */
export interface Answer {
  status: number;
  body: unknown;
}

/** The shop's own routes (`/shop/orders`), answering in the same envelope as the payment routes. */
export class ShopAnswers {
  readonly #orders: OrderBook;
  readonly #logger: Logger;

  constructor(orders: OrderBook, logger: Logger) {
    this.#orders = orders;
    this.#logger = logger;
  }

  /** `POST /shop/orders` `{ item?, amount }` → 201 with the order. */
  async createOrder(user: ShopUser | null | undefined, body: unknown): Promise<Answer> {
    if (!user) return failure(401, 'UNAUTHORIZED', 'Sign in with a bearer token from API_TOKENS');
    try {
      const result = await this.#orders.create(user.id, body);
      if ('problem' in result) return failure(400, 'VALIDATION_ERROR', result.problem);
      return { status: 201, body: { success: true, message: 'Order created', data: result.order } };
    } catch (error) {
      return this.error(error);
    }
  }

  /** `GET /shop/orders/:id` → the order, 404 for anyone but its owner. */
  async getOrder(user: ShopUser | null | undefined, orderId: string): Promise<Answer> {
    if (!user) return failure(401, 'UNAUTHORIZED', 'Sign in with a bearer token from API_TOKENS');
    try {
      const order = await this.#orders.get(user.id, orderId);
      if (!order) return failure(404, 'NOT_FOUND', 'No such order');
      return { status: 200, body: { success: true, message: 'Order', data: order } };
    } catch (error) {
      return this.error(error);
    }
  }

  /**
   * The host's error handler. Its body parser runs before every route, the payment routes included, so a
   * malformed or oversized body is answered here, in the payment routes' envelope. Never a stack trace.
   */
  error(error: unknown): Answer {
    const status = statusOf(error);
    if (status === 400) return failure(400, 'MALFORMED_JSON', 'The request body is not valid JSON');
    if (status === 413) return failure(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large');
    if (status === 415) return failure(415, 'UNSUPPORTED_MEDIA_TYPE', 'The request body must be JSON');
    if (status !== undefined) return failure(status, 'VALIDATION_ERROR', 'The request is invalid');
    this.#logger.error({ error: error instanceof Error ? error.message : String(error) }, 'request failed');
    return failure(500, 'INTERNAL_ERROR', 'Internal error');
  }
}

function failure(status: number, code: ErrorCode, message: string): Answer {
  return { status, body: { success: false, message, error: { code } } };
}

/** Body parser errors (body-parser, co-body, Fastify's) carry a 4xx `status` or `statusCode`. */
function statusOf(error: unknown): number | undefined {
  const { status, statusCode } = (error ?? {}) as { status?: unknown; statusCode?: unknown };
  const value = typeof status === 'number' ? status : statusCode;
  return typeof value === 'number' && value >= 400 && value < 500 ? value : undefined;
}
