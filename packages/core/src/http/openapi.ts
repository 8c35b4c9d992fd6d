import { z } from 'zod';
import type { ErrorCode } from '../errors.js';
import {
  auditEnvelopeSchema,
  emptyCommandSchema,
  errorEnvelopeSchema,
  idempotencyKeySchema,
  initiatePaymentInputSchema,
  listEnvelopeSchema,
  listPaymentsQuerySchema,
  liveEnvelopeSchema,
  paymentEventStreamSchema,
  paymentIdSchema,
  publicPaymentSchema,
  publicProviderStatusSchema,
  readyEnvelopeSchema,
  statusOf,
  statusWaitQuerySchema,
  successEnvelopeSchema,
} from './api-schemas.js';
import { ROUTES, type RouteDefinition, type RouteName } from './routes.js';

/** A JSON Schema (draft 2020-12, what OpenAPI 3.1 uses) as plain JSON. */
export type JsonSchema = Record<string, unknown>;

/** One route's documentation: the pieces both the OpenAPI document and Fastify's route schemas need. */
export interface RouteDoc {
  route: RouteDefinition;
  /** OpenAPI path template relative to the mount point: "/payments/{id}/status". */
  path: string;
  summary: string;
  description: string;
  params: z.ZodObject | null;
  /** Query parameters (all optional), or null when the route takes none. */
  query?: z.ZodObject;
  idempotencyKey: boolean;
  body: z.ZodType | null;
  bodyRequired: boolean;
  /** `contentType` defaults to JSON; the event stream is `text/event-stream`. */
  success: { status: number; message: string; schema: z.ZodType; contentType?: string };
  errors: readonly ErrorCode[];
  /** Answers outside the error envelope (readiness: 503 with the report). */
  otherResponses?: Readonly<Record<number, { message: string; schema: z.ZodType }>>;
}

const READ_ERRORS: readonly ErrorCode[] = [
  'UNAUTHORIZED',
  'NOT_FOUND',
  'STORE_UNAVAILABLE',
  'INTERNAL_ERROR',
];
const BODY_ERRORS: readonly ErrorCode[] = [
  'VALIDATION_ERROR',
  'MALFORMED_JSON',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
];
const PROVIDER_ERRORS: readonly ErrorCode[] = [
  'PROVIDER_UNAVAILABLE',
  'PROVIDER_RATE_LIMITED',
  'PROVIDER_CIRCUIT_OPEN',
  'PROVIDER_TIMEOUT',
  'PROVIDER_BAD_RESPONSE',
  'PROVIDER_CREDENTIALS_REJECTED',
  'PROVIDER_UNAUTHORIZED',
];
const PUSH_ERRORS: readonly ErrorCode[] = [
  ...BODY_ERRORS,
  'UNAUTHORIZED',
  'IDEMPOTENCY_KEY_REQUIRED',
  'IDEMPOTENCY_KEY_IN_USE',
  'IDEMPOTENCY_KEY_REUSED',
  'PUSH_IN_PROGRESS',
  'RATE_LIMITED',
  'ORDER_HAS_ACTIVE_PAYMENT',
  'PAYMENT_REJECTED',
  'STORE_CONFLICT',
  'STORE_UNAVAILABLE',
  'INTERNAL_ERROR',
  ...PROVIDER_ERRORS,
];

const idParams = z.object({ id: paymentIdSchema });

const DOCS: Record<RouteName, Omit<RouteDoc, 'route' | 'path'>> = {
  create: {
    summary: 'Start a payment',
    description: "Creates a payment and sends the USSD push to the customer's phone.",
    params: null,
    idempotencyKey: true,
    body: initiatePaymentInputSchema,
    bodyRequired: true,
    success: {
      status: 201,
      message: 'The push was sent (or its outcome is being confirmed)',
      schema: successEnvelopeSchema({ data: true }),
    },
    errors: [...PUSH_ERRORS, 'ORDER_NOT_FOUND', 'ORDER_ATTEMPTS_EXHAUSTED'],
  },
  list: {
    summary: "List the caller's payments",
    description:
      "The caller's own payments, newest first, optionally of one external_order_id and/or status; cursor pagination. Never calls ClickPesa.",
    params: null,
    query: listPaymentsQuerySchema,
    idempotencyKey: false,
    body: null,
    bodyRequired: false,
    success: { status: 200, message: 'One page of payments', schema: listEnvelopeSchema() },
    errors: ['VALIDATION_ERROR', 'UNAUTHORIZED', 'STORE_UNAVAILABLE', 'INTERNAL_ERROR'],
  },
  get: {
    summary: 'Read a payment',
    description: 'The stored payment; never calls ClickPesa.',
    params: idParams,
    idempotencyKey: false,
    body: null,
    bodyRequired: false,
    success: { status: 200, message: 'The payment', schema: successEnvelopeSchema({ data: true }) },
    errors: READ_ERRORS,
  },
  audit: {
    summary: "Read a payment's audit trail",
    description:
      'The payment with its audit entries (ClickPesa calls and answers, webhooks, transitions; redacted) and its events in order. Never calls ClickPesa.',
    params: idParams,
    idempotencyKey: false,
    body: null,
    bodyRequired: false,
    success: { status: 200, message: 'The payment and its history', schema: auditEnvelopeSchema() },
    errors: READ_ERRORS,
  },
  status: {
    summary: "A payment's live status",
    description:
      'With a poller: answers from the store at once and, when the payment is open and its last check is stale, ' +
      'has the poller check it soon. Without: asks ClickPesa first (waiting at most 0.5 s). `checked_at` and ' +
      '`poll_after_ms` (and `Retry-After`) say how fresh the answer is and when to ask again. With `wait`, a ' +
      'long poll: held until the status differs from `known` (or the If-None-Match ETag) or `wait` seconds pass.',
    params: idParams,
    query: statusWaitQuerySchema,
    idempotencyKey: false,
    body: null,
    bodyRequired: false,
    success: {
      status: 200,
      message: "The payment and ClickPesa's record",
      schema: successEnvelopeSchema({ data: true, providerStatus: true }),
    },
    errors: [...READ_ERRORS, ...PROVIDER_ERRORS],
  },
  events: {
    summary: 'Follow a payment (Server-Sent Events)',
    description:
      'A text/event-stream: the payment at once, then every status change, ending after a final status. Reconnect with Last-Event-ID; 204 when that was already the final event. Open connections per owner are capped (429).',
    params: idParams,
    idempotencyKey: false,
    body: null,
    bodyRequired: false,
    success: {
      status: 200,
      message: 'The event stream',
      schema: paymentEventStreamSchema,
      contentType: 'text/event-stream',
    },
    errors: [...READ_ERRORS, 'RATE_LIMITED'],
  },
  retry: {
    summary: 'Retry a failed payment',
    description: 'A new USSD push with a new order reference for a failed or cancelled payment.',
    params: idParams,
    idempotencyKey: true,
    body: emptyCommandSchema,
    bodyRequired: false,
    success: {
      status: 201,
      message: 'The new push was sent (or its outcome is being confirmed)',
      schema: successEnvelopeSchema({ data: true }),
    },
    errors: [...PUSH_ERRORS, 'NOT_FOUND', 'RETRY_NOT_ALLOWED', 'ALREADY_PAID'],
  },
  cancel: {
    summary: 'Cancel an open payment',
    description:
      'Stops waiting for a pending or processing payment; a later success from ClickPesa still wins.',
    params: idParams,
    idempotencyKey: false,
    body: emptyCommandSchema,
    bodyRequired: false,
    success: { status: 200, message: 'The cancelled payment', schema: successEnvelopeSchema({ data: true }) },
    errors: [...BODY_ERRORS, ...READ_ERRORS, 'CANCEL_NOT_ALLOWED', 'STORE_CONFLICT'],
  },
  callback: {
    summary: 'ClickPesa webhook',
    description:
      'Where ClickPesa sends payment results. Verified by checksum or a confirming query; no user auth.',
    params: null,
    idempotencyKey: false,
    body: z.record(z.string(), z.unknown()).describe("ClickPesa's webhook payload"),
    bodyRequired: true,
    success: { status: 200, message: 'Received', schema: successEnvelopeSchema({ data: false }) },
    errors: [
      ...BODY_ERRORS,
      'WEBHOOK_SIGNATURE_INVALID',
      'RATE_LIMITED',
      'STORE_UNAVAILABLE',
      'INTERNAL_ERROR',
    ],
  },
  health_live: {
    summary: 'Liveness probe',
    description:
      'The process answers. Only with the `health` option; no authentication (for load balancers).',
    params: null,
    idempotencyKey: false,
    body: null,
    bodyRequired: false,
    success: { status: 200, message: 'Alive', schema: liveEnvelopeSchema },
    errors: [],
  },
  health_ready: {
    summary: 'Readiness probe',
    description:
      'Store reachable, poller heartbeat fresh, circuit not open, budget pauses, outbox lag. Only with the `health` option; no authentication, bounded in time, no ids or secrets.',
    params: null,
    idempotencyKey: false,
    body: null,
    bodyRequired: false,
    success: { status: 200, message: 'Ready', schema: readyEnvelopeSchema },
    errors: [],
    otherResponses: { 503: { message: 'Not ready: a check failed', schema: readyEnvelopeSchema } },
  },
};

/** Every route with its documentation, in route-table order. */
export const ROUTE_DOCS: readonly RouteDoc[] = ROUTES.map((route) => ({
  route,
  path: `/${route.pattern.map((segment) => (segment.startsWith(':') ? `{${segment.slice(1)}}` : segment)).join('/')}`,
  ...DOCS[route.name],
}));

/** A route's error codes grouped by the status they are answered with. */
export function errorsByStatus(doc: RouteDoc): Map<number, ErrorCode[]> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(doc.errors)) {
    const status = statusOf(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return new Map([...byStatus].sort(([a], [b]) => a - b));
}

/**
 * zod → JSON Schema. Named schemas (Payment, ProviderStatus) become `$ref`s into `components.schemas`, or
 * are copied in place with `refs: 'inline'` (for route schemas read outside the document, e.g. by Fastify).
 */
export function toJsonSchema(
  schema: z.ZodType,
  io: 'input' | 'output',
  refs: 'components' | 'inline' = 'components',
): JsonSchema {
  const {
    $schema: _dialect,
    $defs: defs = {},
    id: _id,
    ...json
  } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
  }) as JsonSchema & { $defs?: Record<string, JsonSchema> };
  return rewriteRefs(json, (name) =>
    refs === 'inline'
      ? rewriteRefs(defs[name] ?? {}, () => undefined)
      : { $ref: `#/components/schemas/${name}` },
  );
}

const LOCAL_REF = '#/$defs/';

/** Replaces every `{ $ref: "#/$defs/<name>" }` with what `replace` gives for that name. */
function rewriteRefs(value: JsonSchema, replace: (name: string) => JsonSchema | undefined): JsonSchema {
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (node === null || typeof node !== 'object') return node;
    const ref = (node as { $ref?: unknown }).$ref;
    if (typeof ref === 'string' && ref.startsWith(LOCAL_REF)) {
      const replacement = replace(ref.slice(LOCAL_REF.length));
      if (replacement !== undefined) return replacement;
    }
    return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, visit(item)]));
  };
  return visit(value) as JsonSchema;
}

export interface OpenApiOptions {
  /** Where the routes are mounted, e.g. "/api/v1". Default: the root. */
  prefix?: string;
  /** `info.title`. Default "ClickPesa payments". */
  title?: string;
  /** `info.version`. Default "1.0.0". */
  version?: string;
  /** `servers[0].url`, e.g. "https://shop.example". Default: none (relative to where it is served). */
  serverUrl?: string;
}

/**
 * The OpenAPI 3.1 document of the payment routes: every route, body, parameter, envelope, status code and
 * error code. Generated from the zod schemas the routes use.
 */
export function paymentsOpenApi(options: OpenApiOptions = {}): Record<string, unknown> {
  const prefix = (options.prefix ?? '').replace(/\/+$/, '');
  const paths: Record<string, Record<string, unknown>> = {};
  for (const doc of ROUTE_DOCS) {
    const key = prefix + doc.path;
    paths[key] = { ...paths[key], [doc.route.method.toLowerCase()]: operationOf(doc) };
  }
  const document: Record<string, unknown> = {
    openapi: '3.1.0',
    info: {
      title: options.title ?? 'ClickPesa payments',
      version: options.version ?? '1.0.0',
      description:
        'Mobile-money payments (USSD push) through ClickPesa. Every answer is a JSON envelope: `success`, `message`, then `data` or `error`.',
    },
    paths,
    components: {
      schemas: {
        Payment: toJsonSchema(publicPaymentSchema, 'output', 'inline'),
        ProviderStatus: toJsonSchema(publicProviderStatusSchema, 'output', 'inline'),
        InitiatePaymentInput: toJsonSchema(initiatePaymentInputSchema, 'input', 'inline'),
      },
      securitySchemes: {
        hostAuth: {
          type: 'http',
          scheme: 'bearer',
          description: "Whatever your app's `authenticate` accepts (session cookie, bearer token, ...)",
        },
      },
    },
  };
  if (options.serverUrl) document.servers = [{ url: options.serverUrl }];
  return document;
}

/** A route with its JSON Schemas, in the shape Fastify route schemas (and `@fastify/swagger`) use. */
export interface RouteDescription {
  method: 'GET' | 'POST';
  /** Relative to the mount point, with `:name` parameters: "/payments/:id/status". */
  url: string;
  schema: {
    summary: string;
    description: string;
    tags: string[];
    operationId: string;
    params?: JsonSchema;
    querystring?: JsonSchema;
    headers?: JsonSchema;
    body?: JsonSchema;
    response: Record<number, JsonSchema>;
  };
}

/** Every route with its schemas inlined (no `$ref` into a document), for frameworks that describe routes. */
export function describeRoutes(): RouteDescription[] {
  return ROUTE_DOCS.map((doc) => {
    const response: Record<number, JsonSchema> = {
      [doc.success.status]: {
        description: doc.success.message,
        ...toJsonSchema(doc.success.schema, 'output', 'inline'),
      },
    };
    for (const [status, codes] of errorsByStatus(doc)) {
      response[status] = {
        description: codes.join(', '),
        ...toJsonSchema(errorEnvelopeSchema(codes), 'output', 'inline'),
      };
    }
    for (const [status, other] of Object.entries(doc.otherResponses ?? {})) {
      response[Number(status)] = {
        description: other.message,
        ...toJsonSchema(other.schema, 'output', 'inline'),
      };
    }
    const schema: RouteDescription['schema'] = {
      summary: doc.summary,
      description: doc.description,
      tags: [tagOf(doc)],
      operationId: operationIdOf(doc),
      response,
    };
    if (doc.params) schema.params = toJsonSchema(doc.params, 'input', 'inline');
    if (doc.query) schema.querystring = toJsonSchema(doc.query, 'input', 'inline');
    if (doc.body) schema.body = toJsonSchema(doc.body, 'input', 'inline');
    if (doc.idempotencyKey) {
      schema.headers = {
        type: 'object',
        properties: { 'idempotency-key': toJsonSchema(idempotencyKeySchema, 'input', 'inline') },
      };
    }
    return { method: doc.route.method, url: `/${doc.route.pattern.join('/')}`, schema };
  });
}

const TAGS: Partial<Record<RouteName, string>> = {
  callback: 'webhooks',
  health_live: 'health',
  health_ready: 'health',
};
const OPERATION_IDS: Partial<Record<RouteName, string>> = {
  callback: 'clickpesaWebhook',
  list: 'listPayments',
  health_live: 'healthLive',
  health_ready: 'healthReady',
};
const tagOf = (doc: RouteDoc): string => TAGS[doc.route.name] ?? 'payments';
const operationIdOf = (doc: RouteDoc): string => OPERATION_IDS[doc.route.name] ?? `${doc.route.name}Payment`;

function operationOf(doc: RouteDoc): Record<string, unknown> {
  const parameters: Record<string, unknown>[] = [];
  if (doc.params) {
    for (const [name, schema] of Object.entries(doc.params.shape)) {
      parameters.push({
        name,
        in: 'path',
        required: true,
        schema: toJsonSchema(schema as z.ZodType, 'input'),
      });
    }
  }
  for (const [name, schema] of Object.entries(doc.query?.shape ?? {})) {
    const json = toJsonSchema(schema as z.ZodType, 'input');
    const { description, ...rest } = json;
    parameters.push({
      name,
      in: 'query',
      required: false,
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    });
  }
  if (doc.idempotencyKey) {
    parameters.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'Makes the request safe to repeat: the same key replays the first answer for 24 h',
      schema: toJsonSchema(idempotencyKeySchema, 'input'),
    });
  }
  const responses: Record<string, unknown> = {
    [doc.success.status]: {
      description: doc.success.message,
      content: {
        [doc.success.contentType ?? 'application/json']: {
          schema: toJsonSchema(doc.success.schema, 'output'),
        },
      },
    },
  };
  for (const [status, codes] of errorsByStatus(doc)) {
    responses[status] = {
      description: codes.join(', '),
      content: { 'application/json': { schema: toJsonSchema(errorEnvelopeSchema(codes), 'output') } },
    };
  }
  for (const [status, other] of Object.entries(doc.otherResponses ?? {})) {
    responses[status] = {
      description: other.message,
      content: { 'application/json': { schema: toJsonSchema(other.schema, 'output') } },
    };
  }
  const operation: Record<string, unknown> = {
    operationId: operationIdOf(doc),
    summary: doc.summary,
    description: doc.description,
    tags: [tagOf(doc)],
    parameters,
    responses,
    security: doc.route.authenticated ? [{ hostAuth: [] }] : [],
  };
  if (doc.body) {
    operation.requestBody = {
      required: doc.bodyRequired,
      content: { 'application/json': { schema: toJsonSchema(doc.body, 'input') } },
    };
  }
  return operation;
}
