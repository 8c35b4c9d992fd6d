import { describe, expect, it } from 'vitest';
import { PaymentEvents } from '../../src/events.js';
import { createPaymentsHandler } from '../../src/http/handler.js';
import { createPaymentWatch } from '../../src/http/payment-watch.js';
import type { HandlerRequest, HandlerResponse } from '../../src/http/types.js';
import { createClickPesaPayments } from '../../src/kit.js';
import type { StatusResult } from '../../src/service/types.js';
import type { PaymentStore } from '../../src/store/contract.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { createManualClock } from '../../src/testing/manual-clock.js';
import { FakePaymentService, paymentRecord } from './fake-service.js';

/** Answers like the real service: a processing payment says when the next check is due. */
class PacedService extends FakePaymentService {
  override async refreshStatus(ownerId: string, paymentId: string): Promise<StatusResult> {
    return { ...(await super.refreshStatus(ownerId, paymentId)), pollAfterMs: 4_000 };
  }
}

function setup(push: { heartbeatMs?: number } = {}) {
  const clock = createManualClock();
  const service = new PacedService();
  const payment = service.add(paymentRecord({ status: 'processing' }));
  const handler = createPaymentsHandler({
    service,
    authenticate: () => ({ id: 'alice' }),
    watch: createPaymentWatch({ events: new PaymentEvents(), clock }),
    push,
    clock,
  });
  const get = (path: string, query: Record<string, string> = {}): HandlerRequest => ({
    method: 'GET',
    path: `/payments/${payment.id}${path}`,
    query,
    headers: {},
    raw: {},
  });
  const reads = () => service.calls.filter((call) => call.method === 'refreshStatus').length;
  return { clock, handler, get, reads };
}

/** A few real event-loop turns: long enough for a real-time timer of a few ms to have fired. */
const realTurns = () => new Promise((resolve) => setTimeout(resolve, 30));

describe('the push routes run on the injected clock', () => {
  it('a long poll answers when the clock reaches `wait`, not before, whatever real time does', async () => {
    const { clock, handler, get } = setup();
    let answered: HandlerResponse | null = null;
    void handler.handle(get('/status', { wait: '0.01', known: 'processing' })).then((response) => {
      answered = response;
    });
    await realTurns();
    // 10 ms of real time have long passed: only the manual clock can end the wait
    expect(answered).toBeNull();
    await clock.advance(9);
    expect(answered).toBeNull();
    expect(handler.pushStats?.().connections).toBe(1);
    await clock.advance(1);
    expect(answered).not.toBeNull();
    expect((answered as unknown as HandlerResponse).status).toBe(200);
    expect(handler.pushStats?.()).toEqual({ connections: 0, timers: 0 });
  });

  it('the kit hands its own clock to the push routes', async () => {
    const clock = createManualClock();
    const store = createMemoryStore();
    const payment = paymentRecord({ status: 'processing', lastCheckedAt: clock.now() });
    await store.createPayment({ payment });
    const kit = createClickPesaPayments({
      store,
      authenticate: () => ({ id: 'alice' }),
      // nothing is sent to ClickPesa: the payment was checked just now
      clickpesa: { clientId: 'test', apiKey: 'test', baseUrl: 'http://127.0.0.1:9', env: {} },
      poller: false,
      budget: false,
      dispatcher: false,
      retention: false,
      clock,
    });
    let status: number | null = null;
    void kit.handler
      .handle({
        method: 'GET',
        path: `/payments/${payment.id}/status`,
        query: { wait: '0.01', known: 'processing' },
        headers: {},
        raw: {},
      })
      .then((response) => {
        status = response.status;
      });
    await realTurns();
    expect(status).toBeNull();
    await clock.advance(10);
    expect(status).toBe(200);
    await kit.close();
  });

  it('a listening page renews its reader when the clock says a check is due, and hears heartbeats', async () => {
    const { clock, handler, get, reads } = setup({ heartbeatMs: 15_000 });
    const response = await handler.handle(get('/events'));
    expect(response.status).toBe(200);
    const chunks: string[] = [];
    const iterator = (response.stream as AsyncIterable<string>)[Symbol.asyncIterator]();
    const pump = (async () => {
      for (let next = await iterator.next(); !next.done; next = await iterator.next())
        chunks.push(next.value);
    })();
    await realTurns();
    expect(reads()).toBe(1);
    expect(chunks.filter((chunk) => chunk.startsWith(': heartbeat'))).toHaveLength(0);

    await clock.advance(4_000);
    expect(reads()).toBe(2);
    await clock.advance(4_000 * 3);
    expect(reads()).toBe(5);
    // 16 s on the clock: one heartbeat (due at 15 s); the next is due at 30 s
    expect(chunks.filter((chunk) => chunk.startsWith(': heartbeat'))).toHaveLength(1);
    await clock.advance(15_000);
    expect(chunks.filter((chunk) => chunk.startsWith(': heartbeat'))).toHaveLength(2);

    await iterator.return?.();
    await pump;
    expect(handler.pushStats?.()).toEqual({ connections: 0, timers: 0 });
    expect(clock.pendingTimers()).toBe(0);
  });

  it("the shared store's event cursor is read every interval of the clock", async () => {
    const clock = createManualClock();
    let reads = 0;
    const store = {
      kind: 'fake',
      shared: true,
      async listEventsSince() {
        reads++;
        return [];
      },
      async getPayment() {
        return null;
      },
    } as unknown as PaymentStore;
    const watch = createPaymentWatch({ events: new PaymentEvents(), store, intervalMs: 500, clock });
    const stop = watch.subscribe('p1', { change: () => {}, closed: () => {} });
    await realTurns();
    // the first read finds the cursor's start (an empty store: one probe); then nothing until the clock moves
    expect(reads).toBe(1);
    await clock.advance(500 * 4);
    expect(reads).toBe(5);
    stop();
    expect(watch.stats().timers).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });
});
