/**
 * One app instance of the "many instances" test, run as its own process by the parent:
 *   node --conditions=@clickpesa-kit/source --import tsx instance.ts   (config in CPK_INSTANCE_CONFIG)
 * The kit on the shared PostgreSQL store (its poller running, its provider budget on the store's shared bucket)
 * behind a plain node:http server; events and noteworthy log lines go to the parent over IPC.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  createClickPesaPayments,
  type Logger,
  PAYMENT_EVENT_TYPES,
  PaymentEvents,
} from '@clickpesa-kit/core';
import type { HandlerRequest } from '@clickpesa-kit/core/adapter';
import pg from 'pg';
import { createPostgresStore } from '../../src/index.js';
import {
  INSTANCE_CONFIG_VARIABLE,
  type InstanceConfig,
  type InstanceMessage,
  STALE_LEASE_MESSAGE,
} from './messages.js';

const config = JSON.parse(process.env[INSTANCE_CONFIG_VARIABLE] ?? 'null') as InstanceConfig | null;
if (config === null || typeof process.send !== 'function') {
  throw new Error(`instance.ts runs as a forked child with ${INSTANCE_CONFIG_VARIABLE} set`);
}

const tell = (message: InstanceMessage): void => {
  if (process.connected) process.send?.(message);
};

const paymentIdOf = (obj: Record<string, unknown>) =>
  typeof obj.paymentId === 'string' ? { paymentId: obj.paymentId } : {};

// Only what the parent asserts on: warnings, errors, and a lost lease (logged at info level).
const logger: Logger = {
  debug() {},
  info(obj, message = '') {
    if (message === STALE_LEASE_MESSAGE) tell({ kind: 'log', level: 'info', message, ...paymentIdOf(obj) });
  },
  warn(obj, message = '') {
    tell({ kind: 'log', level: 'warn', message: describe(message, obj), ...paymentIdOf(obj) });
  },
  error(obj, message = '') {
    tell({ kind: 'log', level: 'error', message: describe(message, obj), ...paymentIdOf(obj) });
  },
};

const store = createPostgresStore({
  connectionString: config.databaseUrl,
  schema: config.schema,
  maxConnections: 8,
  logger,
});
// durable handlers write every delivery they got to a table beside the payments (not over IPC: a kill right
// after a delivery must not lose the record of it)
const deliveries = new pg.Pool({ connectionString: config.databaseUrl, max: 2 });
deliveries.on('error', () => {});

const events = new PaymentEvents();
for (const type of PAYMENT_EVENT_TYPES) {
  events.on(type, (event) => tell({ kind: 'event', id: event.id, type, paymentId: event.paymentId }));
}
events.on('poller.error', ({ error, paymentId }) =>
  tell({
    kind: 'log',
    level: 'error',
    message: `poller.error: ${error.message}`,
    ...paymentIdOf({ paymentId }),
  }),
);

const payments = createClickPesaPayments({
  store,
  authenticate: () => ({ id: 'merchant' }),
  clickpesa: {
    clientId: config.clientId,
    apiKey: config.apiKey,
    checksumKey: config.checksumKey,
    baseUrl: config.sandboxUrl,
  },
  instances: 3,
  poller: {
    ...withoutListFlag(config.poller),
    ...(config.poller.listSweeps ? {} : { listBatchThreshold: Number.POSITIVE_INFINITY }),
    schedule: config.schedule,
    instanceId: config.instanceId,
  },
  budget: config.budget,
  // one merchant pushing 1,000 prompts in a minute: the abuse limits are not what this test is about
  rateLimits: false,
  // every webhook comes from the test's one relay address, at 2.5× ClickPesa's real request rate
  webhookRateLimit: false,
  idempotencyLockMs: config.idempotencyLockMs,
  notFoundGraceMs: config.notFoundGraceMs,
  logger,
  events,
  dispatcher: { handlerTimeoutMs: 2_000, pollIntervalMs: 200 },
  handlers: {
    '*': async (event) => {
      await deliveries.query(
        `INSERT INTO "${config.schema}".test_deliveries (event_id, instance_id) VALUES ($1, $2)`,
        [event.eventId, config.instanceId],
      );
    },
  },
});

const server = createServer((req, res) => {
  serve(req, res).catch((error: unknown) => {
    tell({ kind: 'log', level: 'error', message: `http: ${(error as Error).message}` });
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});

async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const url = new URL(req.url ?? '/', 'http://instance');
  const request: HandlerRequest = {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: req.headers,
    raw: req,
  };
  if (chunks.length > 0) request.rawBody = Buffer.concat(chunks);
  const answer = await payments.handler.handle(request);
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
}

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  tell({ kind: 'ready', port: address.port });
});

// The parent asks survivors to stop with SIGTERM (graceful: in-flight checks finish, leases are released).
let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeAllConnections();
  void payments
    .close()
    .then(() => store.close())
    .then(() => deliveries.end())
    .finally(() => {
      // the IPC channel is ordered: once this one is sent, every event reported before it is too
      if (process.connected)
        process.send?.({ kind: 'stopped' } satisfies InstanceMessage, () => process.exit(0));
      else process.exit(0);
    });
});
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));

function withoutListFlag({ listSweeps: _, ...options }: InstanceConfig['poller']) {
  return options;
}

function describe(message: string, obj: Record<string, unknown>): string {
  if (obj.err === undefined) return message;
  return `${message}: ${typeof obj.err === 'string' ? obj.err : JSON.stringify(obj.err)}`;
}
