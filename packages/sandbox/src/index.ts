export { canonicalize, canonicalString, computeChecksum, legacyString, verifyChecksum } from './checksum.js';
export { channelFor, scenarioFor } from './phone-numbers.js';
export { startSandbox } from './sandbox.js';
export type {
  ApiEndpoint,
  Channel,
  ChecksumMethod,
  DuplicateReferenceMode,
  EndpointClass,
  FaultKind,
  FaultSpec,
  InitiateResponseBody,
  NotFoundMode,
  PaymentFailedWebhook,
  PaymentReceivedWebhook,
  QueryRecord,
  RateLimitOptions,
  RequestLogEntry,
  RuntimeOptions,
  Sandbox,
  SandboxOptions,
  SandboxPayment,
  Scenario,
  SendWebhookOptions,
  StatusChange,
  WebhookBody,
  WebhookDelivery,
  WebhookEvent,
} from './types.js';
