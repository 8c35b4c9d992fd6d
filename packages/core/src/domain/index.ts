export * from './amount.js';
export * from './event-types.js';
export type * from './evidence.js';
export * from './msisdn.js';
export * from './order-reference.js';
export * from './payment.js';
export * from './schedule.js';
export * from './status-map.js';
export * from './transition.js';
