export type { ParsedWebhook } from './payload.js';
export {
  DEFAULT_WEBHOOK_CHECKSUM_HEADERS,
  verifyClickPesaWebhook,
  type WebhookHeaders,
  type WebhookVerification,
  type WebhookVerificationKeys,
} from './verify.js';
