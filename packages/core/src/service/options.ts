import { DEFAULT_POLL_SCHEDULE, type PollSchedule, type Random } from '../domain/schedule.js';
import { ClickPesaKitError } from '../errors.js';
import { DEFAULT_WEBHOOK_CHECKSUM_HEADERS } from '../webhook/verify.js';
import type { PaymentServiceOptions, ResolveAmount } from './types.js';

/** The options with every default filled in. */
export interface ResolvedServiceOptions {
  minAmount: number | string;
  maxAmount: number | string;
  statusRefreshMs: number;
  idempotencyTtlMs: number;
  idempotencyLockMs: number;
  exclusivePushPerMsisdn: boolean;
  maxAttemptsPerOrder: number;
  requireIdempotencyKey: boolean;
  /** Empty when no checksum key is configured. */
  checksumKeys: readonly string[];
  checksumMethod: 'canonical' | 'legacy';
  trustSignedWebhooks: boolean;
  /** Lower-case header names. */
  webhookChecksumHeaders: readonly string[];
  allowedCallbackUrls: readonly string[];
  notFoundGraceMs: number;
  prefixTable: PaymentServiceOptions['prefixTable'];
  schedule: PollSchedule;
  random: Random;
  confirmWithinMs: number | undefined;
  fulfilOnAmountMismatch: boolean;
  callbackNotifications: boolean;
  resolveAmount: ResolveAmount | undefined;
}

export function resolveServiceOptions(options: PaymentServiceOptions = {}): ResolvedServiceOptions {
  const rawKeys = options.checksumKey === undefined ? [] : [options.checksumKey].flat();
  const checksumKeys = rawKeys.filter((key): key is string => typeof key === 'string' && key.length > 0);
  const resolved: ResolvedServiceOptions = {
    minAmount: options.minAmount ?? 100,
    maxAmount: options.maxAmount ?? 10_000_000,
    statusRefreshMs: options.statusRefreshMs ?? 2_000,
    idempotencyTtlMs: options.idempotencyTtlMs ?? 24 * 60 * 60_000,
    idempotencyLockMs: options.idempotencyLockMs ?? 60_000,
    exclusivePushPerMsisdn: options.exclusivePushPerMsisdn ?? true,
    maxAttemptsPerOrder: options.maxAttemptsPerOrder ?? 5,
    requireIdempotencyKey: options.requireIdempotencyKey ?? false,
    checksumKeys,
    checksumMethod: options.checksumMethod ?? 'canonical',
    trustSignedWebhooks: options.trustSignedWebhooks ?? false,
    webhookChecksumHeaders: (options.webhookChecksumHeaders ?? DEFAULT_WEBHOOK_CHECKSUM_HEADERS).map((name) =>
      name.toLowerCase(),
    ),
    allowedCallbackUrls: options.allowedCallbackUrls ?? [],
    // inside the 90 s active window, so an unknown push ends as not_found rather than as a timeout
    notFoundGraceMs: options.notFoundGraceMs ?? 60_000,
    prefixTable: options.prefixTable,
    schedule: { ...DEFAULT_POLL_SCHEDULE, ...options.schedule },
    random: options.random ?? Math.random,
    confirmWithinMs: options.confirmWithinMs,
    fulfilOnAmountMismatch: options.fulfilOnAmountMismatch ?? false,
    callbackNotifications: options.callbackNotifications ?? false,
    resolveAmount: options.resolveAmount,
  };
  validate(resolved);
  return resolved;
}

function validate(options: ResolvedServiceOptions): void {
  const durations = {
    statusRefreshMs: options.statusRefreshMs,
    idempotencyTtlMs: options.idempotencyTtlMs,
    idempotencyLockMs: options.idempotencyLockMs,
    notFoundGraceMs: options.notFoundGraceMs,
    ...(options.confirmWithinMs === undefined ? {} : { confirmWithinMs: options.confirmWithinMs }),
  };
  for (const [name, value] of Object.entries(durations)) {
    if (!Number.isFinite(value) || value < 0) {
      throw new ClickPesaKitError('CONFIG_INVALID', {
        message: `${name} must be a non-negative number of ms`,
      });
    }
  }
  if (!Number.isSafeInteger(options.maxAttemptsPerOrder) || options.maxAttemptsPerOrder < 1) {
    throw new ClickPesaKitError('CONFIG_INVALID', {
      message: 'maxAttemptsPerOrder must be a positive integer',
    });
  }
  if (options.resolveAmount !== undefined && typeof options.resolveAmount !== 'function') {
    throw new ClickPesaKitError('CONFIG_INVALID', { message: 'resolveAmount must be a function' });
  }
  if (options.idempotencyTtlMs < options.idempotencyLockMs) {
    // a record must outlive its own lock, or an in-flight request could be replaced mid-way (IDEM-6)
    throw new ClickPesaKitError('CONFIG_INVALID', {
      message: 'idempotencyTtlMs must be at least idempotencyLockMs',
    });
  }
}
