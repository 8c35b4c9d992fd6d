import { z } from 'zod';
import { parseAmount } from './domain/amount.js';
import { PAYMENT_EVENT_TYPES } from './domain/event-types.js';
import { ClickPesaKitError } from './errors.js';
import {
  CALLBACK_SECRET_PREFIX,
  MAX_CALLBACK_SECRET_BYTES,
  MIN_CALLBACK_SECRET_BYTES,
  parseCallbackSecret,
} from './notify/secret.js';

/**
 * One schema for every option of `createClickPesaPayments` (and so of every adapter), checked once when the
 * kit is built: types, ranges, `minAmount ≤ maxAmount`, durations, nested objects and unknown keys. A
 * failure is CONFIG_INVALID naming the option path (`poller.tickMs`), never its value, so no option mistake
 * waits for the first customer. Objects the host supplies (store, logger, clock, ...) are checked for the
 * methods the kit calls.
 */

const ms = () => z.number().nonnegative('must be a non-negative number of ms');
const positiveMs = () => z.number().positive('must be a positive number of ms');
const count = () => z.number().int('must be a whole number').positive('must be at least 1');
const anObject = (what: string) =>
  z.custom<object>((value) => typeof value === 'object' && value !== null, what);
const logger = () =>
  withMethods('must have debug, info, warn and error methods', 'debug', 'info', 'warn', 'error');
const clock = () => withMethods('must have a now() method', 'now');
const fn = (what = 'must be a function') =>
  z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function', what);
const withMethods = (what: string, ...methods: string[]) =>
  z.custom<object>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function'),
    what,
  );
const stringList = () => z.array(z.string());

const amount = z.union([z.number(), z.string()]).refine((value) => parseAmount(value).ok, {
  message: 'must be a positive amount in TZS (a number or a decimal string with at most two places)',
});

export const pollScheduleSchema = z.strictObject({
  firstCheckMs: positiveMs().optional(),
  intervalMs: positiveMs().optional(),
  activeWindowMs: positiveMs().optional(),
  backoffBaseMs: positiveMs().optional(),
  backoffCapMs: positiveMs().optional(),
  reconcileForMs: positiveMs().optional(),
});

export const clientOptionsSchema = z.strictObject({
  clientId: z.string().optional(),
  apiKey: z.string().optional(),
  checksumKey: z.string().optional(),
  checksumMethod: z.enum(['canonical', 'legacy']).optional(),
  baseUrl: z.string().optional(),
  env: z.record(z.string(), z.string().optional()).optional(),
  timeouts: z
    .strictObject({
      tokenMs: positiveMs().optional(),
      initiateMs: positiveMs().optional(),
      queryMs: positiveMs().optional(),
    })
    .optional(),
  tokenTtlMs: positiveMs().optional(),
  maxRetries: z.number().int('must be a whole number').nonnegative('must not be negative').optional(),
  retryBaseDelayMs: ms().optional(),
  retryMaxDelayMs: ms().optional(),
  maxRetryAfterMs: ms().optional(),
  dispatcher: withMethods('must be an undici Dispatcher', 'dispatch').optional(),
  logger: logger().optional(),
  onRequest: fn().optional(),
  onResponse: fn().optional(),
  gate: withMethods('must have acquire and report methods', 'acquire', 'report').optional(),
  now: fn().optional(),
  sleep: fn().optional(),
  random: fn().optional(),
});

export const pollerOptionsSchema = z.strictObject({
  tickMs: positiveMs().optional(),
  batchSize: count().optional(),
  leaseMs: positiveMs().optional(),
  schedule: pollScheduleSchema.optional(),
  // Infinity turns the list sweeps off (every due payment gets its own query)
  listBatchThreshold: z.union([count(), z.literal(Number.POSITIVE_INFINITY)]).optional(),
  listPageSize: count().optional(),
  listOrder: z.enum(['updatedAt', 'createdAt']).optional(),
  listOverlapMs: ms().optional(),
  listMaxPages: z.number().int('must be a whole number').nonnegative('must not be negative').optional(),
  batchWindowMs: ms().optional(),
  webhookConfirmWindowMs: ms().optional(),
  queryConcurrency: count().optional(),
  clockSkewMs: ms().optional(),
  stuckAfterMs: positiveMs().optional(),
  shutdownGraceMs: ms().optional(),
  instanceId: z.string().min(1, 'must not be empty').optional(),
  random: fn().optional(),
});

const rateLimit = () =>
  z.strictObject({
    max: count(),
    windowMs: positiveMs(),
  });
const rateLimitOrOff = () => z.union([z.literal(false), rateLimit()]);

export const rateLimitsSchema = z.union([
  z.literal(false),
  fn('must be false, a limiter function or { perPhone, perOwner, perIp }'),
  z.strictObject({
    perPhone: rateLimitOrOff().optional(),
    perOwner: rateLimitOrOff().optional(),
    perIp: rateLimitOrOff().optional(),
  }),
]);

export const budgetOptionsSchema = z.strictObject({
  requestsPerMinute: z.number().positive('must be a positive number').optional(),
  windowMs: positiveMs().optional(),
  windowMarginMs: ms().optional(),
  burst: z.number().positive('must be a positive number').optional(),
  backgroundShare: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').optional(),
  userMaxWaitMs: ms().optional(),
  maxPauseMs: positiveMs().optional(),
  pauseClasses: z.record(z.string(), z.string()).optional(),
  breaker: z
    .strictObject({ failureThreshold: count().optional(), probeIntervalMs: positiveMs().optional() })
    .optional(),
  shared: anObject('must be a shared budget').optional(),
  sharedName: z.string().min(1, 'must not be empty').optional(),
  clock: clock().optional(),
  logger: logger().optional(),
  random: fn().optional(),
});

export const dispatcherOptionsSchema = z
  .strictObject({
    pollIntervalMs: positiveMs().optional(),
    batchSize: count().optional(),
    concurrency: count().optional(),
    handlerTimeoutMs: positiveMs().optional(),
    maxAttempts: count().optional(),
    retryBaseMs: positiveMs().optional(),
    retryMaxMs: positiveMs().optional(),
    shutdownGraceMs: ms().optional(),
  })
  .refine(
    (options) =>
      options.retryBaseMs === undefined ||
      options.retryMaxMs === undefined ||
      options.retryMaxMs >= options.retryBaseMs,
    { path: ['retryMaxMs'], message: 'must be at least retryBaseMs' },
  );

const days = () => z.number().positive('must be a positive number of days');
export const retentionOptionsSchema = z.strictObject({
  intervalMs: positiveMs().optional(),
  eventsDays: days().optional(),
  receiptsDays: days().optional(),
  auditDays: days().optional(),
  bucketsDays: days().optional(),
});

export const pushOptionsSchema = z.strictObject({
  maxConnectionsPerOwner: count().optional(),
  heartbeatMs: positiveMs().optional(),
  maxWaitMs: positiveMs().optional(),
  watchIntervalMs: positiveMs().optional(),
});

export const handlersSchema = z.strictObject(
  Object.fromEntries(
    [...PAYMENT_EVENT_TYPES, '*'].map((type) => [
      type,
      fn('must be a function (the event handler)').optional(),
    ]),
  ),
);

export const clickpesaOptionsSchema = z
  .strictObject({
    store: withMethods(
      'is required: pass a PaymentStore (store-sqlite, store-postgres or createMemoryStore())',
      'createPayment',
    ),
    authenticate: fn('is required: pass a function that returns { id } or null for a request'),
    clickpesa: clientOptionsSchema.optional(),
    client: anObject('must be a ClickPesa client').optional(),
    checksumKey: z.union([z.string(), stringList()]).optional(),
    checksumMethod: z.enum(['canonical', 'legacy']).optional(),
    trustSignedWebhooks: z.boolean().optional(),
    webhookChecksumHeaders: stringList().optional(),
    minAmount: amount.optional(),
    maxAmount: amount.optional(),
    statusRefreshMs: ms().optional(),
    idempotencyTtlMs: ms().optional(),
    idempotencyLockMs: ms().optional(),
    requireIdempotencyKey: z.boolean().optional(),
    exclusivePushPerMsisdn: z.boolean().optional(),
    maxAttemptsPerOrder: z.number().int().positive().optional(),
    allowedCallbackUrls: z.array(z.url('must be a list of URLs')).optional(),
    callbackSecret: z
      .string()
      .refine(isCallbackSecret, {
        message: `must be "${CALLBACK_SECRET_PREFIX}" followed by the base64 of ${MIN_CALLBACK_SECRET_BYTES}–${MAX_CALLBACK_SECRET_BYTES} random bytes`,
      })
      .optional(),
    callbackTimeoutMs: positiveMs().optional(),
    callbackRetryDelaysMs: z.array(ms()).optional(),
    notFoundGraceMs: ms().optional(),
    prefixTable: z.record(z.string(), z.string().nullable()).optional(),
    schedule: pollScheduleSchema.optional(),
    poller: z.union([z.literal(false), pollerOptionsSchema]).optional(),
    autoStart: z.boolean().optional(),
    handlers: handlersSchema.optional(),
    dispatcher: z.union([z.literal(false), dispatcherOptionsSchema]).optional(),
    retention: z.union([z.literal(false), retentionOptionsSchema]).optional(),
    fulfilOnAmountMismatch: z.boolean().optional(),
    budget: z.union([z.literal(false), budgetOptionsSchema]).optional(),
    bodyLimit: count().optional(),
    bodyReadTimeoutMs: positiveMs().optional(),
    rateLimits: rateLimitsSchema.optional(),
    webhookRateLimit: rateLimitOrOff().optional(),
    webhookPathSecret: z
      .string()
      .regex(/^[A-Za-z0-9_-]{16,}$/, 'must be at least 16 characters of A-Z, a-z, 0-9, "_" and "-"')
      .optional(),
    push: pushOptionsSchema.optional(),
    instances: count().optional(),
    health: z
      .union([
        z.boolean(),
        z.strictObject({
          timeoutMs: positiveMs().optional(),
          pollerStaleAfterMs: positiveMs().optional(),
          outboxLagLimitMs: positiveMs().optional(),
        }),
      ])
      .optional(),
    logger: logger().optional(),
    events: withMethods('must be a PaymentEvents bus', 'on', 'emit').optional(),
    clock: clock().optional(),
    random: fn().optional(),
    resolveAmount: fn().optional(),
  })
  .superRefine((options, ctx) => {
    const min = options.minAmount === undefined ? undefined : parseAmount(options.minAmount);
    const max = options.maxAmount === undefined ? undefined : parseAmount(options.maxAmount);
    if (min?.ok && max?.ok && Number(min.amount) > Number(max.amount)) {
      ctx.addIssue({ code: 'custom', path: ['minAmount'], message: 'must not be more than maxAmount' });
    }
    const instances = options.instances ?? 1;
    const store = options.store as { shared?: boolean; kind?: string };
    if (instances > 1 && store.shared === false) {
      ctx.addIssue({
        code: 'custom',
        path: ['instances'],
        message: `cannot be ${instances}: the ${store.kind ?? 'given'} store is single-process only (use a shared store: store-sqlite or store-postgres)`,
      });
    }
    if (options.callbackSecret === undefined && (options.allowedCallbackUrls?.length ?? 0) > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['callbackSecret'],
        message: 'is required when allowedCallbackUrls is set: callback_url notifications are signed with it',
      });
    }
    const { idempotencyTtlMs: ttl, idempotencyLockMs: lock } = options;
    if (ttl !== undefined && lock !== undefined && ttl < lock) {
      ctx.addIssue({
        code: 'custom',
        path: ['idempotencyTtlMs'],
        message: 'must be at least idempotencyLockMs',
      });
    }
    for (const [path, schedule] of [
      [['schedule'], options.schedule],
      [['poller', 'schedule'], options.poller ? options.poller.schedule : undefined],
    ] as const) {
      const { backoffBaseMs: base, backoffCapMs: cap } = schedule ?? {};
      if (base !== undefined && cap !== undefined && cap < base) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'backoffCapMs'],
          message: 'must be at least backoffBaseMs',
        });
      }
    }
  });

/** Checks the options against {@link clickpesaOptionsSchema}; throws CONFIG_INVALID naming the first bad option. */
export function assertValidOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null) {
    throw new ClickPesaKitError('CONFIG_INVALID', {
      message: 'createClickPesaPayments needs an options object with at least store and authenticate',
    });
  }
  const result = clickpesaOptionsSchema.safeParse(options);
  if (result.success) return;
  const issues = flattenUnions(result.error.issues);
  const problems = issues.map(describeIssue);
  throw new ClickPesaKitError('CONFIG_INVALID', {
    message: `Invalid options: ${problems.join('; ')}`,
    details: problems.map((message, index) => ({
      field: optionPath(issues[index]?.path ?? []) || 'options',
      message,
    })),
  });
}

/**
 * `poller: false | {...}` given an object with a bad field fails as a whole union: report the object
 * branch's own issues (`poller.tickMs`) instead, when one branch got past the type check.
 */
function flattenUnions(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union') return [issue];
    const branch = issue.errors.find(
      (errors) => errors.length > 0 && errors.every((inner) => inner.path.length > 0),
    );
    if (!branch) return [issue];
    return flattenUnions(branch.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] })));
  });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const at = optionPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys
      .map((key) => {
        const name = at ? `${at}.${key}` : key;
        const suggestion = closestKey(key, knownKeysAt(issue.path));
        return `unknown option \`${name}\`${suggestion ? `: did you mean \`${at ? `${at}.` : ''}${suggestion}\`?` : ''}`;
      })
      .join('; ');
  }
  if (issue.message.startsWith('is required')) return `The ${at} option ${issue.message}`;
  if (issue.code === 'invalid_union') return `\`${at}\` has the wrong type`;
  if (issue.code === 'invalid_type' && BASIC_TYPES.has(issue.expected)) {
    return `\`${at}\` must be ${article(issue.expected)}`;
  }
  return `\`${at}\` ${issue.message}`;
}

const BASIC_TYPES = new Set(['number', 'string', 'boolean', 'object', 'array', 'function']);

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function optionPath(path: readonly PropertyKey[]): string {
  return path
    .map((segment) => (typeof segment === 'number' ? `[${segment}]` : String(segment)))
    .join('.')
    .replace(/\.\[/g, '[');
}

/** The keys the schema knows at `path` (for "did you mean"). */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType | undefined = clickpesaOptionsSchema;
  for (const segment of path) {
    const object = objectOf(schema);
    schema = object ? (object.shape as Record<string, z.ZodType>)[String(segment)] : undefined;
  }
  const object = objectOf(schema);
  return object ? Object.keys(object.shape) : [];
}

/** The object schema inside optional, union-with-false and refined wrappers. */
function objectOf(schema: z.ZodType | undefined): z.ZodObject | undefined {
  if (schema instanceof z.ZodObject) return schema;
  if (schema instanceof z.ZodOptional) return objectOf(schema.unwrap() as z.ZodType);
  if (schema instanceof z.ZodUnion) {
    for (const option of schema.options as z.ZodType[]) {
      const object = objectOf(option);
      if (object) return object;
    }
  }
  return undefined;
}

/** The known key nearest to `key` (case-insensitive edit distance), when it is near enough to be a typo. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (best === undefined || distance < best.distance) best = { key: candidate, distance };
  }
  if (best === undefined) return undefined;
  return best.distance <= Math.max(2, Math.floor(best.key.length / 3)) ? best.key : undefined;
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function isCallbackSecret(secret: string): boolean {
  try {
    parseCallbackSecret(secret);
    return true;
  } catch {
    return false;
  }
}
