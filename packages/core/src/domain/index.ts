export * from './payment.js';
export * from './schedule.js';
export type * from './evidence.js';
