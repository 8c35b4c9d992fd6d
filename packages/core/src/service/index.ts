export { createPaymentService } from './payment-service.js';
export type { Reconciler } from './reconciler.js';
export type * from './types.js';
