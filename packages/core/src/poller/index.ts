export { createProviderBudget } from './budget.js';
export { coverPage, type PageCoverage, type PageShape } from './list-coverage.js';
export { createManualClock, type ManualClock } from './manual-clock.js';
export { createPoller } from './poller.js';
export { createSeededRandom } from './seeded-random.js';
export type * from './types.js';
