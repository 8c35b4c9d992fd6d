export type * from './contract.js';
export * from './memory-store.js';
export * from './payment-fields.js';
export * from './record-fields.js';
export * from './record-tables.js';
export * from './store-rules.js';
