import { ClickPesaKitError } from '../errors.js';
import type { PaymentStore } from '../store/contract.js';

/** The store operations a fault can hit (everything but the descriptive fields and the budget). */
export type StoreOperation = Exclude<keyof PaymentStore, 'kind' | 'shared' | 'budget'>;

export interface StoreFault {
  /** The operation to fail, or '*' for whichever operation comes next. */
  op: StoreOperation | '*';
  /** What to throw. Default: ClickPesaKitError('STORE_UNAVAILABLE'). */
  error?: unknown;
  /** How many calls fail. Default 1. */
  times?: number;
}

/** A store with test controls for failures. */
export type FaultyStore<S extends PaymentStore = PaymentStore> = S & {
  /**
   * The next `times` calls of `op` reject with `error` (default STORE_UNAVAILABLE) without reaching the
   * store, as a real store does when its write fails: nothing of that call is written.
   */
  failNext(op: StoreOperation | '*', error?: unknown, times?: number): void;
  /** While false, every operation but `close` (ping included) rejects with STORE_UNAVAILABLE: "the database is down". */
  setAvailable(available: boolean): void;
  /** Drops armed faults. */
  clearFaults(): void;
};

const OPERATIONS: ReadonlySet<string> = new Set<StoreOperation>([
  'createPayment',
  'getPayment',
  'getPaymentByOrderReference',
  'getPaymentByTransactionId',
  'hasActivePush',
  'listPayments',
  'listAllPayments',
  'transition',
  'claimIdempotency',
  'getIdempotency',
  'completeIdempotency',
  'pruneIdempotency',
  'recordWebhookReceipt',
  'listWebhookReceipts',
  'appendAudit',
  'listAudit',
  'listEvents',
  'claimDue',
  'releaseLease',
  'ping',
  'close',
]);

/**
 * Wraps any PaymentStore (memory, SQLite, PostgreSQL, your own) with fault injection for tests: armed
 * faults and "unavailable" reject before the store is called, so the store's state is untouched. Everything
 * else (`kind`, `budget`, a store's own extras) passes through.
 */
export function withFaults<S extends PaymentStore>(
  store: S,
  options: { faults?: StoreFault[] } = {},
): FaultyStore<S> {
  const faults: Array<{ op: StoreOperation | '*'; error: unknown; remaining: number }> = [];
  let available = true;

  const arm = (op: StoreOperation | '*', error?: unknown, times = 1): void => {
    if (times > 0) faults.push({ op, error, remaining: times });
  };
  for (const fault of options.faults ?? []) arm(fault.op, fault.error, fault.times);

  /** Throws the failure due for this call, if any. */
  const enter = (op: StoreOperation): void => {
    if (op !== 'close' && !available) throw unavailable('The store is unavailable');
    const index = faults.findIndex((fault) => fault.op === op || fault.op === '*');
    if (index === -1) return;
    const fault = faults[index]!;
    fault.remaining -= 1;
    if (fault.remaining <= 0) faults.splice(index, 1);
    throw fault.error ?? unavailable(`Injected store failure (${op})`);
  };

  const controls = {
    failNext: arm,
    setAvailable: (value: boolean) => {
      available = value;
    },
    clearFaults: () => {
      faults.length = 0;
    },
  };
  const wrapped = new Map<string, (...args: unknown[]) => Promise<unknown>>();

  return new Proxy(store, {
    get(target, property, receiver) {
      if (typeof property === 'string' && Object.hasOwn(controls, property)) {
        return controls[property as keyof typeof controls];
      }
      if (typeof property !== 'string' || !OPERATIONS.has(property)) {
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      }
      let operation = wrapped.get(property);
      if (!operation) {
        operation = async (...args: unknown[]) => {
          enter(property as StoreOperation);
          const method = Reflect.get(target, property) as (...params: unknown[]) => Promise<unknown>;
          return method.apply(target, args);
        };
        wrapped.set(property, operation);
      }
      return operation;
    },
  }) as FaultyStore<S>;
}

function unavailable(message: string): ClickPesaKitError {
  return new ClickPesaKitError('STORE_UNAVAILABLE', { message });
}
