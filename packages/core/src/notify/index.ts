export type { CallbackPayload } from './notifier.js';
export { createCallbackNotifier, DEFAULT_CALLBACK_TIMEOUT_MS } from './notifier.js';
export { DEFAULT_CALLBACK_RETRY_DELAYS_MS } from './retry-schedule.js';
export { parseCallbackSecret } from './secret.js';
export type { StandardWebhookHeaders } from './signature.js';
export { signStandardWebhook } from './signature.js';
export type { CallbackNotifier, CallbackNotifierOptions } from './types.js';
