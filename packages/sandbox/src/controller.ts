import type { SandboxConfig, SandboxContext } from './context.js';
import { snapshot } from './ledger.js';
import { channelFor } from './phone-numbers.js';
import type {
  EndpointClass,
  FaultSpec,
  RequestLogEntry,
  RuntimeOptions,
  SandboxPayment,
  SeedPaymentInput,
  SendWebhookOptions,
  WebhookDelivery,
} from './types.js';

/** Options whose absence means "off", so `configure({ webhookUrl: undefined })` switches them off. */
const CLEARABLE = new Set(['checksumKey', 'webhookUrl', 'rateLimit']);

/** The test-facing controls behind both `sb.*` and the `/__sandbox` HTTP API. */
export class SandboxController {
  constructor(private readonly ctx: SandboxContext) {}

  get requests(): RequestLogEntry[] {
    return this.ctx.log.list();
  }

  get webhooks(): WebhookDelivery[] {
    return this.ctx.webhooks.deliveries;
  }

  count(endpoint: EndpointClass | '*', orderReference?: string): number {
    return this.ctx.log.count(endpoint, orderReference);
  }

  webhooksIdle(): Promise<void> {
    return this.ctx.webhooks.idle();
  }

  get payments(): ReadonlyMap<string, SandboxPayment> {
    const latest = new Map<string, SandboxPayment>();
    for (const payment of this.ctx.ledger.all()) latest.set(payment.orderReference, snapshot(payment));
    return latest;
  }

  allPayments(): SandboxPayment[] {
    this.ctx.engine.settleDue();
    return this.ctx.ledger.all().map(snapshot);
  }

  getPayment(orderReference: string): SandboxPayment | undefined {
    this.ctx.engine.settleDue();
    const payment = this.ctx.ledger.latest(orderReference);
    return payment && snapshot(payment);
  }

  getAttempts(orderReference: string): SandboxPayment[] {
    this.ctx.engine.settleDue();
    return this.ctx.ledger.attempts(orderReference).map(snapshot);
  }

  approve(orderReference: string): SandboxPayment {
    return snapshot(this.ctx.engine.approve(orderReference));
  }

  reject(orderReference: string, message?: string): SandboxPayment {
    return snapshot(this.ctx.engine.reject(orderReference, message));
  }

  setStatus(orderReference: string, status: string, message?: string): SandboxPayment {
    return snapshot(this.ctx.engine.setStatus(orderReference, status, message));
  }

  seedPayment(input: SeedPaymentInput): SandboxPayment {
    const phoneNumber = input.phoneNumber ?? '255712345670';
    const payment = this.ctx.ledger.create({
      orderReference: input.orderReference,
      amount: input.amount,
      phoneNumber,
      channel: channelFor(phoneNumber) ?? 'TIGO-PESA',
      // no scenario runs for a seeded record: it stays as seeded until setStatus
      scenario: 'no-answer',
      clientId: this.ctx.config.clientId,
    });
    const status = input.status ?? 'SUCCESS';
    if (status === 'PROCESSING' && input.message === undefined) return snapshot(payment);
    return snapshot(this.ctx.ledger.transition(payment, status, input.message ?? status));
  }

  async sendWebhook(orderReference: string, options?: SendWebhookOptions): Promise<number> {
    return this.ctx.webhooks.send(this.ctx.ledger.require(orderReference), options);
  }

  fault(spec: FaultSpec): void {
    this.ctx.faults.add(spec);
  }

  clearFaults(): void {
    this.ctx.faults.clear();
  }

  expireTokens(): void {
    this.ctx.tokens.expireAll();
  }

  reset(): void {
    this.ctx.engine.clear();
    this.ctx.ledger.clear();
    this.ctx.faults.clear();
    this.ctx.tokens.expireAll();
    this.ctx.rateLimiter.reset();
    this.ctx.log.clear();
    this.ctx.webhooks.clearLog();
  }

  configure(options: RuntimeOptions): void {
    const { config } = this.ctx;
    // ClickPesa invalidates every token when the checksum setting is switched on or off.
    const checksumToggled =
      'checksumKey' in options && (options.checksumKey === undefined) !== (config.checksumKey === undefined);
    for (const [name, value] of Object.entries(options)) {
      if (value !== undefined || CLEARABLE.has(name)) Object.assign(config, { [name]: value });
    }
    if (checksumToggled) this.ctx.tokens.expireAll();
  }
}

export function configFromOptions(options: RuntimeOptions & Partial<SandboxConfig>): SandboxConfig {
  return {
    clientId: options.clientId ?? 'sandbox-client',
    apiKey: options.apiKey ?? 'sandbox-key',
    checksumKey: options.checksumKey,
    webhookUrl: options.webhookUrl,
    approveDelayMs: options.approveDelayMs ?? 3000,
    tokenTtlMs: options.tokenTtlMs ?? 3_600_000,
    tokenPrefix: options.tokenPrefix ?? true,
    rateLimit: options.rateLimit,
    duplicateReference: options.duplicateReference ?? '409',
    notFoundMode: options.notFoundMode ?? '404',
    visibilityDelayMs: options.visibilityDelayMs ?? 0,
    maxPageSize: options.maxPageSize ?? null,
    ignoreSortBy: options.ignoreSortBy ?? false,
    webhookRetryDelaysMs: options.webhookRetryDelaysMs ?? [200, 1000, 3000],
    webhookTimeoutMs: options.webhookTimeoutMs ?? 5000,
    merchantName: options.merchantName ?? 'Sandbox Merchant',
  };
}
