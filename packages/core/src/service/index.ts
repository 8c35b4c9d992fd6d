export type { InitiatePaymentInput, OwnerId } from './initiate-input.js';
export { DEFAULT_WEBHOOK_CHECKSUM_HEADERS } from './options.js';
export { createPaymentService } from './payment-service.js';
export type * from './types.js';
