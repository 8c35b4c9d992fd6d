/** The request classes the sandbox logs and counts; faults target the first five (or '*'). */
export type ApiEndpoint = 'token' | 'preview' | 'initiate' | 'query' | 'list';
export type EndpointClass = ApiEndpoint | 'control' | 'page' | 'other';

/** What the customer's phone does with the push, chosen by the last digit of the phone number. */
export type Scenario =
  | 'approve' // 0-4: SUCCESS after approveDelayMs, webhook sent
  | 'reject' // 5: FAILED "Payment rejected by customer"
  | 'insufficient-balance' // 6: FAILED "Insufficient balance"
  | 'no-answer' // 7: stays PROCESSING until resolved by hand
  | 'approve-silently' // 8: SUCCESS, but no webhook
  | 'invalid-number'; // 9: initiate answers 400

export type Channel = 'M-PESA' | 'AIRTEL-MONEY' | 'TIGO-PESA' | 'HALOPESA';

export type DuplicateReferenceMode = '409' | 'existing' | 'new-push';
export type NotFoundMode = '404' | 'empty-array';
export type ChecksumMethod = 'canonical' | 'legacy';
export type WebhookEvent = 'PAYMENT RECEIVED' | 'PAYMENT FAILED';

export interface RateLimitOptions {
  limit: number;
  windowMs: number;
  /** 'sliding' (default) counts the last windowMs; 'fixed' resets at window boundaries. */
  mode?: 'sliding' | 'fixed';
}

export interface SandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Loopback only: '127.0.0.1' (default), 'localhost' or '::1'. Anything else is refused. */
  host?: string;
  clientId?: string;
  apiKey?: string;
  /** When set, preview/initiate bodies must carry a valid checksum and webhooks are signed. */
  checksumKey?: string;
  /** Where PAYMENT RECEIVED / PAYMENT FAILED webhooks go (none are sent without it). */
  webhookUrl?: string;
  /** Delay before the simulated customer answers the push. Default 3000. */
  approveDelayMs?: number;
  /** Token lifetime. Default 3_600_000 (ClickPesa's 1 h). */
  tokenTtlMs?: number;
  /** true (default): tokens come back as "Bearer <opaque>"; false: bare "<opaque>". */
  tokenPrefix?: boolean;
  rateLimit?: RateLimitOptions;
  duplicateReference?: DuplicateReferenceMode;
  notFoundMode?: NotFoundMode;
  /** A just-created payment is invisible to the query endpoints for this long. Default 0. */
  visibilityDelayMs?: number;
  /**
   * `GET /payments/all` returns at most this many rows per page, whatever `limit` asks for (ClickPesa's own
   * maximum is undocumented). Default: no cap.
   */
  maxPageSize?: number | null;
  /**
   * `GET /payments/all` sorts by createdAt whatever `sortBy` asks, to rehearse an API that does not honour
   * `sortBy=updatedAt` (ClickPesa documents the parameter but not the fields it accepts). Default false.
   */
  ignoreSortBy?: boolean;
  /** Injectable clock for createdAt/updatedAt, token expiry, rate limit and approval times. */
  now?: () => number;
  /** Pauses between webhook retries; its length is the number of retries. Default [200, 1000, 3000]. */
  webhookRetryDelaysMs?: number[];
  /** Per webhook attempt. Default 5000. */
  webhookTimeoutMs?: number;
  /** Shown in the simulated USSD prompt. Default "Sandbox Merchant". */
  merchantName?: string;
  /** Called after every logged request (the CLI prints them). */
  onRequest?: (entry: RequestLogEntry) => void;
}

/** Options that may be changed while the sandbox runs (`sb.configure`). */
export type RuntimeOptions = Pick<
  SandboxOptions,
  | 'checksumKey'
  | 'webhookUrl'
  | 'approveDelayMs'
  | 'tokenTtlMs'
  | 'tokenPrefix'
  | 'rateLimit'
  | 'duplicateReference'
  | 'notFoundMode'
  | 'visibilityDelayMs'
  | 'maxPageSize'
  | 'ignoreSortBy'
  | 'webhookRetryDelaysMs'
  | 'merchantName'
>;

export interface StatusChange {
  status: string;
  message: string;
  at: number;
}

/** The sandbox's own ledger entry: what "ClickPesa" believes about one push. */
/** {@link Sandbox.seedPayment}: the record as ClickPesa would list it. */
export interface SeedPaymentInput {
  orderReference: string;
  /** Decimal string, e.g. "1000" or "1500.50". */
  amount: string;
  /** Default 'SUCCESS'. Any string, as `setStatus`. */
  status?: string;
  /** Default 255712345670. */
  phoneNumber?: string;
  message?: string;
}

export interface SandboxPayment {
  id: string;
  orderReference: string;
  status: string;
  message: string;
  /** Decimal string exactly as initiated. */
  amount: string;
  currency: 'TZS';
  phoneNumber: string;
  channel: Channel;
  scenario: Scenario;
  clientId: string;
  customerName: string;
  /** Set once the customer paid (the wallet's receipt number). */
  paymentReference?: string;
  createdAt: number;
  updatedAt: number;
  /** 1 for the first push with this reference; 2+ only in duplicateReference 'new-push' mode. */
  attempt: number;
  history: StatusChange[];
}

/** `POST /payments/initiate-ussd-push-request` 200 body. */
export interface InitiateResponseBody {
  id: string;
  status: string;
  channel: Channel;
  orderReference: string;
  collectedAmount: string;
  collectedCurrency: 'TZS';
  createdAt: string;
  clientId: string;
}

/** One element of `GET /payments/{orderReference}` and of `GET /payments/all` `data`. */
export interface QueryRecord {
  id: string;
  status: string;
  paymentReference?: string;
  paymentPhoneNumber: string;
  orderReference: string;
  /** A number here, as ClickPesa's query schema types it. */
  collectedAmount: number;
  collectedCurrency: 'TZS';
  channel: Channel;
  message: string;
  updatedAt: string;
  createdAt: string;
  customer: { customerName: string; customerPhoneNumber: string };
  clientId: string;
}

export interface PaymentReceivedWebhook {
  event: 'PAYMENT RECEIVED';
  data: {
    id: string;
    status: string;
    paymentReference?: string;
    orderReference: string;
    collectedAmount: string;
    collectedCurrency: 'TZS';
    message: string;
    channel: Channel;
    updatedAt: string;
    createdAt: string;
    customer: { customerName: string; customerPhoneNumber: string };
    clientId: string;
  };
  checksum?: string;
  checksumMethod?: ChecksumMethod;
}

/** ClickPesa's own PAYMENT FAILED sample uses `eventType`, not `event`. */
export interface PaymentFailedWebhook {
  eventType: 'PAYMENT FAILED';
  data: {
    id: string;
    status: string;
    orderReference: string;
    message: string;
    updatedAt: string;
    createdAt: string;
  };
  checksum?: string;
  checksumMethod?: ChecksumMethod;
}

export type WebhookBody = PaymentReceivedWebhook | PaymentFailedWebhook;

export interface RequestLogEntry {
  at: number;
  method: string;
  path: string;
  /** Path with the query string. */
  url: string;
  endpoint: EndpointClass;
  orderReference?: string;
  /** HTTP status sent; 0 while the answer is pending or when the connection was reset instead. */
  status: number;
  /** Request headers with authorization, api-key and any cookie redacted. */
  headers: Record<string, string>;
  /** Parsed JSON body of POSTs (it holds no secrets: checksums are HMACs). */
  body?: unknown;
  /** The fault that shaped the answer, if any. */
  fault?: FaultKind;
}

export interface WebhookDelivery {
  at: number;
  url: string;
  orderReference: string;
  event: WebhookEvent;
  attempt: number;
  /** Receiver's HTTP status; 0 when it could not be reached. */
  status: number;
  error?: string;
}

export type FaultKind = 'status' | 'latency' | 'reset' | 'malformed' | 'truncated' | 'empty' | 'html';

interface FaultTarget {
  endpoint: ApiEndpoint | '*';
  /** How many matching calls it affects. Default 1. */
  times?: number;
  /** Let this many matching calls through untouched first. Default 0. */
  skip?: number;
  /** Only calls about this order reference. */
  orderReference?: string;
}

export type FaultSpec = FaultTarget &
  (
    | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
    | { kind: 'latency'; ms: number }
    | { kind: 'reset'; when?: 'before' | 'after' }
    | { kind: 'malformed' | 'truncated' | 'empty' | 'html' }
  );

export interface SendWebhookOptions {
  /** Default: PAYMENT RECEIVED for SUCCESS/SETTLED payments, PAYMENT FAILED otherwise. */
  event?: WebhookEvent;
  /** Default: signed when a checksum key is set. */
  signed?: boolean;
  checksumMethod?: ChecksumMethod;
  /** Rewrites the final body (after signing), e.g. to tamper with it. */
  mutate?: (body: Record<string, unknown>) => unknown;
  /** Default: the configured webhookUrl. */
  url?: string;
  /** Use the retry schedule like automatic webhooks. Default false: one attempt. */
  retry?: boolean;
}

export interface Sandbox {
  /** The ClickPesa base URL to give a client, e.g. "http://127.0.0.1:41234/third-parties". */
  readonly url: string;
  readonly origin: string;
  /** The simulated phone page. */
  readonly phoneUrl: string;
  readonly port: number;
  readonly clientId: string;
  readonly apiKey: string;
  close(): Promise<void>;
  /** A copy of the request log (the newest 100,000 entries at most). */
  readonly requests: RequestLogEntry[];
  /** A copy of the webhook delivery log. */
  readonly webhooks: WebhookDelivery[];
  count(endpoint: EndpointClass | '*', orderReference?: string): number;
  /** Clears payments, faults, tokens, the rate-limit window and both logs. */
  reset(): void;
  /** Snapshot of the latest push per order reference. */
  readonly payments: ReadonlyMap<string, SandboxPayment>;
  getPayment(orderReference: string): SandboxPayment | undefined;
  /** Every push with this reference, oldest first (several only in 'new-push' mode). */
  getAttempts(orderReference: string): SandboxPayment[];
  approve(orderReference: string): SandboxPayment;
  reject(orderReference: string, message?: string): SandboxPayment;
  /** Any string; no webhook; cancels the pending scenario. */
  setStatus(orderReference: string, status: string, message?: string): SandboxPayment;
  /**
   * A record that exists only at ClickPesa (no push was made, no webhook is sent): what a reconciliation
   * finds when the merchant's own records are missing a payment, or hold another amount or status. A
   * reference already in use gets a further attempt.
   */
  seedPayment(input: SeedPaymentInput): SandboxPayment;
  sendWebhook(orderReference: string, options?: SendWebhookOptions): Promise<number>;
  /** Resolves when no webhook delivery (including retries) is in flight. */
  webhooksIdle(): Promise<void>;
  fault(spec: FaultSpec): void;
  clearFaults(): void;
  /** Every issued token becomes invalid. */
  expireTokens(): void;
  configure(options: RuntimeOptions): void;
}
