import { type Sandbox, type SandboxOptions, startSandbox } from '@clickpesa-kit/sandbox';
import { Agent, type Dispatcher } from 'undici';
import { type ClickPesaClient, createClickPesaClient } from '../../src/client/clickpesa-client.js';
import type { ClickPesaClientOptions, GateOutcome } from '../../src/client/types.js';
import type { ProviderEndpoint, ProviderRequestEvent, ProviderResponseEvent } from '../../src/events.js';
import type { Logger } from '../../src/logger.js';

/** Everything a client reported: log lines, hook events, gate calls, retry pauses and sent headers. */
export interface Capture {
  logs: { level: string; obj: Record<string, unknown>; msg?: string }[];
  requests: ProviderRequestEvent[];
  responses: ProviderResponseEvent[];
  gate: { acquired: ProviderEndpoint[]; reports: { endpoint: ProviderEndpoint; outcome: GateOutcome }[] };
  sleeps: number[];
  /** Authorization headers as they left the client (read off the wire by a dispatcher interceptor). */
  authorizations: string[];
}

export function createCapture(): Capture {
  return {
    logs: [],
    requests: [],
    responses: [],
    gate: { acquired: [], reports: [] },
    sleeps: [],
    authorizations: [],
  };
}

function capturingLogger(capture: Capture): Logger {
  const line = (level: string) => (obj: Record<string, unknown>, msg?: string) => {
    capture.logs.push({ level, obj, ...(msg !== undefined ? { msg } : {}) });
  };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

/** A real keep-alive agent whose interceptor records the Authorization header of every request. */
function recordingDispatcher(capture: Capture): { dispatcher: Dispatcher; agent: Agent } {
  const agent = new Agent({ keepAliveTimeout: 1_000 });
  const dispatcher = agent.compose((dispatch) => (options, handler) => {
    const headers = options.headers as Record<string, string> | undefined;
    if (headers?.authorization !== undefined) capture.authorizations.push(headers.authorization);
    return dispatch(options, handler);
  });
  return { dispatcher, agent };
}

export interface Harness {
  sb: Sandbox;
  capture: Capture;
  client(overrides?: ClickPesaClientOptions): ClickPesaClient;
  close(): Promise<void>;
}

/**
 * A sandbox plus clients wired to capture everything. Retry pauses are recorded and skipped (instant sleep),
 * so tests assert the waits the client chose without spending wall-clock time on them.
 */
export async function startHarness(sandboxOptions: SandboxOptions = {}): Promise<Harness> {
  const sb = await startSandbox({ approveDelayMs: 50, ...sandboxOptions });
  const capture = createCapture();
  const clients: ClickPesaClient[] = [];
  const { dispatcher, agent } = recordingDispatcher(capture);
  return {
    sb,
    capture,
    client(overrides = {}) {
      const client = createClickPesaClient({
        baseUrl: sb.url,
        clientId: sb.clientId,
        apiKey: sb.apiKey,
        env: {},
        dispatcher,
        logger: capturingLogger(capture),
        onRequest: (event) => capture.requests.push(event),
        onResponse: (event) => capture.responses.push(event),
        gate: {
          acquire: async (endpoint) => {
            capture.gate.acquired.push(endpoint);
          },
          report: (endpoint, outcome) => {
            capture.gate.reports.push({ endpoint, outcome });
          },
        },
        sleep: async (ms) => {
          capture.sleeps.push(ms);
        },
        random: () => 0.5,
        ...overrides,
      });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((client) => client.close()));
      await agent.close();
      await sb.close();
    },
  };
}

let referenceCounter = 0;
/** Fresh alphanumeric order references (the sandbox enforces ClickPesa's rule). */
export function nextReference(prefix = 'PAY'): string {
  referenceCounter += 1;
  return `${prefix}${Date.now().toString(36).toUpperCase()}${referenceCounter}`;
}

export function push(orderReference: string, phoneNumber = '255712345670') {
  return { amount: '1000', currency: 'TZS' as const, orderReference, phoneNumber };
}

/** Waits (polling the sandbox, not a timer guess) until the payment reaches a final status. */
export async function waitForSandboxStatus(
  sb: Sandbox,
  orderReference: string,
  statuses: string[],
): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const status = sb.getPayment(orderReference)?.status;
    if (status && statuses.includes(status)) return status;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`payment ${orderReference} never reached ${statuses.join('/')}`);
}
