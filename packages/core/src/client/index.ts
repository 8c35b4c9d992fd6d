export {
  type ChecksumMethod,
  canonicalize,
  computeChecksum,
  legacyChecksumMessage,
  verifyChecksum,
} from '../shared/checksum.js';
export { type ClickPesaClient, createClickPesaClient } from './clickpesa-client.js';
export { CLIENT_DEFAULTS, DEFAULT_BASE_URL } from './config.js';
export { isRetryableProviderError, normaliseProviderMessage } from './provider-error.js';
export { toProviderPayment } from './responses.js';
export { parseCooldownMessage, parseRetryAfter } from './retry-after.js';
export { type TokenState, toAuthorizationValue } from './token-manager.js';
export type * from './types.js';
