import { computeChecksum } from './checksum.js';
import type {
  ChecksumMethod,
  SandboxPayment,
  SendWebhookOptions,
  WebhookDelivery,
  WebhookEvent,
} from './types.js';
import { toPaymentFailed, toPaymentReceived } from './wire-shapes.js';

export interface WebhookSenderOptions {
  now: () => number;
  webhookUrl: () => string | undefined;
  checksumKey: () => string | undefined;
  retryDelaysMs: () => number[];
  timeoutMs: number;
}

const PAID = new Set(['SUCCESS', 'SETTLED']);

/** Builds the webhook body for a payment, signed like ClickPesa describes (top-level checksum fields). */
export function buildWebhookBody(
  payment: SandboxPayment,
  event: WebhookEvent,
  signingKey: string | undefined,
  checksumMethod: ChecksumMethod = 'canonical',
): Record<string, unknown> {
  const unsigned = event === 'PAYMENT RECEIVED' ? toPaymentReceived(payment) : toPaymentFailed(payment);
  // Sign exactly what goes on the wire (undefined fields dropped).
  const body = JSON.parse(JSON.stringify(unsigned)) as Record<string, unknown>;
  if (signingKey === undefined) return body;
  return { ...body, checksum: computeChecksum(signingKey, body, checksumMethod), checksumMethod };
}

/** POSTs PAYMENT RECEIVED / PAYMENT FAILED to the receiver, retrying when it is down or not 2xx. */
export class WebhookSender {
  private readonly log: WebhookDelivery[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly aborts = new Set<AbortController>();
  private closed = false;

  constructor(private readonly options: WebhookSenderOptions) {}

  get deliveries(): WebhookDelivery[] {
    return this.log.map((delivery) => ({ ...delivery }));
  }

  /** The automatic webhook after the customer answered; fire-and-forget with retries. */
  notify(payment: SandboxPayment): void {
    if (this.options.webhookUrl() === undefined) return;
    void this.send(payment, { retry: true });
  }

  /** Resolves with the receiver's last HTTP status (0: unreachable or no URL configured). */
  send(payment: SandboxPayment, options: SendWebhookOptions = {}): Promise<number> {
    const url = options.url ?? this.options.webhookUrl();
    if (url === undefined || this.closed) return Promise.resolve(0);
    const event = options.event ?? (PAID.has(payment.status) ? 'PAYMENT RECEIVED' : 'PAYMENT FAILED');
    const signed = options.signed ?? this.options.checksumKey() !== undefined;
    const key = signed ? (this.options.checksumKey() ?? '') : undefined;
    const built = buildWebhookBody(payment, event, key, options.checksumMethod);
    const body = options.mutate ? options.mutate(built) : built;
    const retryDelays = options.retry ? this.options.retryDelaysMs() : [];
    const delivery = this.deliver(url, JSON.stringify(body), payment.orderReference, event, retryDelays);
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
    return delivery;
  }

  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  clearLog(): void {
    this.log.length = 0;
  }

  /** Aborts attempts in flight and stops every retry. */
  close(): void {
    this.closed = true;
    for (const abort of this.aborts) abort.abort();
  }

  private async deliver(
    url: string,
    payload: string,
    orderReference: string,
    event: WebhookEvent,
    retryDelays: number[],
  ): Promise<number> {
    let status = 0;
    for (let attempt = 1; attempt <= retryDelays.length + 1 && !this.closed; attempt++) {
      if (attempt > 1) await this.pause(retryDelays[attempt - 2] ?? 0);
      if (this.closed) break;
      const result = await this.post(url, payload);
      status = result.status;
      this.log.push({ at: this.options.now(), url, orderReference, event, attempt, ...result });
      if (status >= 200 && status < 300) break;
    }
    return status;
  }

  private async post(url: string, payload: string): Promise<{ status: number; error?: string }> {
    const abort = new AbortController();
    this.aborts.add(abort);
    const timer = setTimeout(() => abort.abort(), this.options.timeoutMs);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'clickpesa-kit-sandbox' },
        body: payload,
        signal: abort.signal,
      });
      await response.arrayBuffer().catch(() => undefined);
      return { status: response.status };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      return { status: 0, error: cause?.code ?? (error as Error).name };
    } finally {
      clearTimeout(timer);
      this.aborts.delete(abort);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const abort = new AbortController();
      this.aborts.add(abort);
      const done = () => {
        clearTimeout(timer);
        this.aborts.delete(abort);
        resolve();
      };
      const timer = setTimeout(done, ms);
      abort.signal.addEventListener('abort', done, { once: true });
    });
  }
}
