export type * from './contract.js';
export * from './memory-store.js';
