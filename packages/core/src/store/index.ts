// The status sets every store filters on (active payments hold their phone number and are polled).

// Store authors' fixtures draw order references the way the service does.
export { generateOrderReference } from '../domain/order-reference.js';
export { ACTIVE_STATUSES, FINAL_STATUSES } from '../domain/payment.js';
export type * from './contract.js';
export * from './memory-store.js';
export * from './payment-fields.js';
export * from './record-fields.js';
export * from './record-tables.js';
export * from './store-rules.js';
