import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { SandboxContext } from './context.js';
import { configFromOptions, SandboxController } from './controller.js';
import { FaultBook } from './faults.js';
import { PaymentLedger } from './ledger.js';
import { RateLimiter } from './rate-limit.js';
import { RequestLog } from './request-log.js';
import { ScenarioEngine } from './scenario-engine.js';
import { API_PREFIX, createSandboxServer } from './server.js';
import { TokenStore } from './tokens.js';
import type { Sandbox, SandboxOptions } from './types.js';
import { WebhookSender } from './webhooks.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

/** Starts a local fake of ClickPesa's `/third-parties` API on loopback. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.has(host)) {
    throw new Error(`The sandbox only binds to loopback (127.0.0.1, localhost, ::1), not "${host}"`);
  }
  const now = options.now ?? Date.now;
  const config = configFromOptions(options);
  const ledger = new PaymentLedger(now);
  const webhooks = new WebhookSender({
    now,
    webhookUrl: () => config.webhookUrl,
    checksumKey: () => config.checksumKey,
    retryDelaysMs: () => config.webhookRetryDelaysMs,
    timeoutMs: config.webhookTimeoutMs,
  });
  const engine = new ScenarioEngine({
    ledger,
    now,
    approveDelayMs: () => config.approveDelayMs,
    onSettled: (payment, webhook) => {
      if (webhook) webhooks.notify(payment);
    },
  });
  const ctx: SandboxContext = {
    config,
    now,
    ledger,
    engine,
    webhooks,
    tokens: new TokenStore(now),
    faults: new FaultBook(),
    rateLimiter: new RateLimiter(now, () => config.rateLimit),
    log: new RequestLog(options.onRequest),
  };
  const controller = new SandboxController(ctx);

  let origin = '';
  const { server, releaseWaits } = createSandboxServer(ctx, {
    controller,
    config,
    baseUrl: () => origin + API_PREFIX,
  });
  server.listen(options.port ?? 0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      engine.clear();
      webhooks.close();
      releaseWaits();
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };

  return {
    url: origin + API_PREFIX,
    origin,
    phoneUrl: `${origin}/__sandbox/`,
    port,
    clientId: config.clientId,
    apiKey: config.apiKey,
    close,
    get requests() {
      return controller.requests;
    },
    get webhooks() {
      return controller.webhooks;
    },
    get payments() {
      return controller.payments;
    },
    count: (endpoint, orderReference) => controller.count(endpoint, orderReference),
    reset: () => controller.reset(),
    getPayment: (orderReference) => controller.getPayment(orderReference),
    getAttempts: (orderReference) => controller.getAttempts(orderReference),
    approve: (orderReference) => controller.approve(orderReference),
    reject: (orderReference, message) => controller.reject(orderReference, message),
    setStatus: (orderReference, status, message) => controller.setStatus(orderReference, status, message),
    seedPayment: (input) => controller.seedPayment(input),
    sendWebhook: (orderReference, sendOptions) => controller.sendWebhook(orderReference, sendOptions),
    webhooksIdle: () => controller.webhooksIdle(),
    fault: (spec) => controller.fault(spec),
    clearFaults: () => controller.clearFaults(),
    expireTokens: () => controller.expireTokens(),
    configure: (runtime) => controller.configure(runtime),
  };
}
