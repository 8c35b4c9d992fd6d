import { describe } from 'vitest';
import { createHarness, type StoreConformanceOptions } from './harness.js';
import { describeCreatePayment } from './suites/create-payment.js';
import { describeIdempotency } from './suites/idempotency.js';
import { describeLeases } from './suites/leases.js';
import { describeListAll } from './suites/list-all.js';
import { describeOrders } from './suites/orders.js';
import { describeOutbox } from './suites/outbox.js';
import { describeRaces } from './suites/races.js';
import { describeReads } from './suites/reads.js';
import { describeRecords } from './suites/records.js';
import { describeSharedBudget } from './suites/shared-budget.js';
import { describeTransition } from './suites/transition.js';

export {
  makeAudit,
  makeEvent,
  makeIdempotencyRecord,
  makePayment,
  makeProviderPayment,
  makeWebhookReceipt,
  randomMsisdn,
} from './fixtures.js';
export type { StoreConformanceOptions } from './harness.js';

/**
 * Registers the PaymentStore conformance suite (vitest) for one store implementation: every operation of
 * the contract with its edge cases, and the races where exactly one caller may win. Call it at the top level
 * of a test file:
 *
 * ```ts
 * runStoreConformanceTests({ name: 'sqlite', createStore: () => createSqliteStore({ file }), destroyStore });
 * ```
 *
 * Each test gets a fresh store from `createStore`; the suite closes it afterwards and then calls
 * `destroyStore`. The suite assumes no foreign keys between records (idempotency records, receipts and audit
 * entries may name payment ids that do not exist).
 */
export function runStoreConformanceTests(options: StoreConformanceOptions): void {
  describe(`PaymentStore conformance: ${options.name}`, () => {
    const harness = createHarness(options);
    describeCreatePayment(harness);
    describeReads(harness);
    describeTransition(harness);
    describeLeases(harness);
    describeIdempotency(harness);
    describeRecords(harness);
    describeOutbox(harness);
    describeOrders(harness);
    describeListAll(harness);
    describeSharedBudget(harness);
    describeRaces(harness);
  });
}
