import { type Sandbox, startSandbox } from '@clickpesa-kit/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickPesaApi } from '../../src/client/types.js';
import type { ClickPesaPaymentsOptions } from '../../src/config.js';
import { ClickPesaKitError } from '../../src/errors.js';
import { createClickPesaPayments } from '../../src/kit.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { bearerAuthenticate, eventually, SENTINELS } from './fixture.js';
import { serveHandler } from './http-harness.js';

function startupError(options: Partial<ClickPesaPaymentsOptions>): ClickPesaKitError {
  try {
    const kit = createClickPesaPayments(options as ClickPesaPaymentsOptions);
    void kit.close();
  } catch (error) {
    expect(error).toBeInstanceOf(ClickPesaKitError);
    return error as ClickPesaKitError;
  }
  throw new Error('expected a startup error');
}

const noPoller = { poller: false as const, autoStart: false };
const fullCredentials = { clientId: SENTINELS.clientId, apiKey: SENTINELS.apiKey, env: {} };

describe('startup errors', () => {
  it('requires a store', () => {
    const error = startupError({ authenticate: bearerAuthenticate, clickpesa: fullCredentials });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/store option is required/);
  });

  it('requires authenticate (fail closed)', () => {
    const error = startupError({ store: createMemoryStore(), clickpesa: fullCredentials });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/authenticate option is required/);
  });

  it('names every missing credential variable', () => {
    const error = startupError({
      store: createMemoryStore(),
      authenticate: bearerAuthenticate,
      clickpesa: { env: {} },
    });
    expect(error.code).toBe('MISSING_CREDENTIALS');
    expect(error.message).toContain('CLICKPESA_CLIENT_ID');
    expect(error.message).toContain('CLICKPESA_API_KEY');
  });

  it('names only the missing variable, never the value of the present one', () => {
    const error = startupError({
      store: createMemoryStore(),
      authenticate: bearerAuthenticate,
      clickpesa: {
        env: { CLICKPESA_CLIENT_ID: SENTINELS.clientId, CLICKPESA_CHECKSUM_KEY: SENTINELS.checksumKey },
      },
    });
    expect(error.message).toContain('CLICKPESA_API_KEY');
    expect(error.message).not.toContain('CLICKPESA_CLIENT_ID');
    for (const secret of Object.values(SENTINELS)) expect(error.message).not.toContain(secret);
  });

  it('refuses the memory store for several instances (POLL-14) but accepts a shared store', () => {
    const error = startupError({
      store: createMemoryStore(),
      authenticate: bearerAuthenticate,
      clickpesa: fullCredentials,
      instances: 2,
    });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/memory store is single-process/);
    const shared = { ...createMemoryStore(), shared: true };
    const kit = createClickPesaPayments({
      store: shared,
      authenticate: bearerAuthenticate,
      clickpesa: fullCredentials,
      instances: 2,
      ...noPoller,
    });
    expect(kit.store).toBe(shared);
  });

  it('refuses trustSignedWebhooks without a checksum key', () => {
    const error = startupError({
      store: createMemoryStore(),
      authenticate: bearerAuthenticate,
      clickpesa: fullCredentials,
      trustSignedWebhooks: true,
    });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('CLICKPESA_CHECKSUM_KEY');
  });

  it('needs no credentials with an injected client, and builds no budget for it', () => {
    const client = { marker: 'injected' } as unknown as ClickPesaApi;
    const kit = createClickPesaPayments({
      store: createMemoryStore(),
      authenticate: bearerAuthenticate,
      client,
      clickpesa: { env: {} },
      ...noPoller,
    });
    expect(kit.client).toBe(client);
    expect(kit.budget).toBeNull();
    expect(kit.poller).toBeNull();
  });

  it('warns loudly about the memory store', () => {
    const lines: string[] = [];
    const log = (obj: Record<string, unknown>, msg?: string) => lines.push(`${msg} ${JSON.stringify(obj)}`);
    createClickPesaPayments({
      store: createMemoryStore(),
      authenticate: bearerAuthenticate,
      clickpesa: fullCredentials,
      logger: { debug: log, info: log, warn: log, error: log },
      ...noPoller,
    });
    expect(lines.some((line) => line.includes('single-process') && line.includes('memory'))).toBe(true);
  });
});

describe('wiring against the sandbox', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({
      clientId: SENTINELS.clientId,
      apiKey: SENTINELS.apiKey,
      checksumKey: SENTINELS.checksumKey,
      approveDelayMs: 50,
      webhookRetryDelaysMs: [],
    });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('reads every credential and the base URL from the environment', async () => {
    sandbox.reset();
    const kit = createClickPesaPayments({
      store: createMemoryStore(),
      authenticate: bearerAuthenticate,
      clickpesa: {
        env: {
          CLICKPESA_CLIENT_ID: SENTINELS.clientId,
          CLICKPESA_API_KEY: SENTINELS.apiKey,
          CLICKPESA_CHECKSUM_KEY: SENTINELS.checksumKey,
          CLICKPESA_BASE_URL: sandbox.url,
        },
      },
      budget: false,
      ...noPoller,
    });
    const http = await serveHandler(kit.handler);
    try {
      const response = await fetch(`${http.url}/payments`, {
        method: 'POST',
        headers: { authorization: 'Bearer alice-token', 'content-type': 'application/json' },
        body: JSON.stringify({ amount: 1000, currency: 'TZS', msisdn: '255712340017' }),
      });
      expect(response.status).toBe(201);
      const { data } = (await response.json()) as { data: { reference: string; id: string } };
      // the checksum key from the environment signs our initiate (the sandbox refuses it otherwise) ...
      expect(sandbox.count('initiate', data.reference)).toBe(1);
      // ... and verifies ClickPesa's webhooks
      sandbox.setStatus(data.reference, 'SUCCESS');
      expect(await sandbox.sendWebhook(data.reference, { url: `${http.url}/callback` })).toBe(200);
      expect(await sandbox.sendWebhook(data.reference, { url: `${http.url}/callback`, signed: false })).toBe(
        401,
      );
      expect(kit.budget).toBeNull();
    } finally {
      await kit.close();
      await http.close();
    }
  });

  it('runs the poller on the shared schedule, confirms webhooks through it, and stops it on close()', async () => {
    sandbox.reset();
    const store = createMemoryStore();
    const kit = createClickPesaPayments({
      store,
      authenticate: bearerAuthenticate,
      clickpesa: { ...fullCredentials, baseUrl: sandbox.url, checksumKey: SENTINELS.checksumKey },
      schedule: { firstCheckMs: 50, intervalMs: 50 },
      poller: { tickMs: 20, batchWindowMs: 0, webhookConfirmWindowMs: 10, shutdownGraceMs: 1_000 },
      budget: { requestsPerMinute: 60_000, burst: 1_000 },
    });
    expect(kit.poller?.heartbeat().running).toBe(true);
    // the service never queries for a webhook itself (that would be source 'query'): the poller confirms
    const successSource = async (paymentId: string) =>
      (await store.listAudit(paymentId)).find(
        (entry) => entry.kind === 'transition' && entry.data.to === 'success',
      )?.data.source;
    const http = await serveHandler(kit.handler);
    sandbox.configure({ webhookUrl: `${http.url}/callback` });
    try {
      // last digit 8: the customer approves but no webhook comes; only the poller can find out
      const silent = await kit.service.initiate('alice', {
        amount: 1000,
        currency: 'TZS',
        msisdn: '255712340018',
      });
      await eventually(async () => (await store.getPayment(silent.payment.id))?.status === 'success');
      expect(await successSource(silent.payment.id)).toBe('poller');
      // last digit 1: a webhook arrives and the service hands its confirmation to the poller
      const noisy = await kit.service.initiate('alice', {
        amount: 1000,
        currency: 'TZS',
        msisdn: '255712340021',
      });
      await eventually(async () => (await store.getPayment(noisy.payment.id))?.status === 'success');
      expect(await successSource(noisy.payment.id)).toBe('poller');
    } finally {
      await kit.close();
      await http.close();
    }
    // every ClickPesa call of the built client went through the budget
    expect(kit.budget?.state().granted).toBe(sandbox.requests.filter((r) => r.endpoint !== 'control').length);
    expect(kit.poller?.heartbeat().running).toBe(false);
    await kit.close(); // idempotent
    // the host's store is still open
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('starts the poller only on start() when autoStart is false', async () => {
    const kit = createClickPesaPayments({
      store: createMemoryStore(),
      authenticate: bearerAuthenticate,
      clickpesa: { ...fullCredentials, baseUrl: sandbox.url },
      autoStart: false,
    });
    expect(kit.poller?.heartbeat().running).toBe(false);
    kit.start();
    kit.start();
    expect(kit.poller?.heartbeat().running).toBe(true);
    await kit.close();
    kit.start(); // a closed kit stays closed
    expect(kit.poller?.heartbeat().running).toBe(false);
  });
});
