export { createProviderBudget } from './budget.js';
export type * from './types.js';
