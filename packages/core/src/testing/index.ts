// Test aids for hosts and store authors: `@clickpesa-kit/core/testing`. Not for production code.

export * from './faulty-store.js';
export { createManualClock, type ManualClock } from './manual-clock.js';
export { createSeededRandom } from './seeded-random.js';
