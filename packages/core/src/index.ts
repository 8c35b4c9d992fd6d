// Public API of @clickpesa-kit/core. Each area owns its barrel file.
export * from './client/index.js';
export * from './clock.js';
export type { ClickPesaPaymentsOptions } from './config.js';
export { clickpesaOptionsSchema } from './config-schema.js';
export * from './domain/index.js';
export * from './errors.js';
export * from './events.js';
export * from './http/index.js';
export * from './kit.js';
export * from './logger.js';
export * from './notify/index.js';
export * from './poller/index.js';
export * from './service/index.js';
export * from './store/index.js';
