import {
  ClickPesaKitError,
  isClickPesaKitError,
  type PaymentRecord,
  type PaymentStore,
} from '@clickpesa-kit/core';
import {
  ACTIVE_STATUSES,
  type AuditEntry,
  applyPaymentChanges,
  type ClaimDueInput,
  type ClaimedPayment,
  type ClaimIdempotencyResult,
  type CreatePaymentInput,
  type CreatePaymentResult,
  type IdempotencyRecord,
  inFlightIdempotency,
  isIdempotencyLive,
  leaseEnd,
  orderReferencesOf,
  type SharedBudget,
  type StoredEvent,
  type TransitionInput,
  type TransitionResult,
  transitionRefusal,
  type WebhookReceipt,
} from '@clickpesa-kit/core/store';
import { Redis } from 'ioredis';
import {
  decodeAudit,
  decodeEvent,
  decodeIdempotency,
  decodePayment,
  decodeReceipt,
  encodeAudit,
  encodeEvent,
  encodePayment,
  encodeReceipt,
  idempotencyFields,
  msArg,
} from './codec.js';
import { type StoreKeys, storeKeys } from './keys.js';
import { takeBudgetScript } from './lua/budget.js';
import {
  type CreatePaymentPlan,
  type CreatePaymentReply,
  createPaymentScript,
} from './lua/create-payment.js';
import {
  type ClaimIdempotencyReply,
  claimIdempotencyScript,
  completeIdempotencyScript,
  pruneIdempotencyScript,
} from './lua/idempotency.js';
import { type ClaimDueReply, claimDueScript, releaseLeaseScript } from './lua/leases.js';
import { type AuditItem, type LuaScript, runScript } from './lua/script.js';
import { type TransitionPlan, type TransitionReply, transitionScript } from './lua/transition.js';
import { recordWebhookReceiptScript } from './lua/webhook-receipt.js';

export interface RedisStoreOptions {
  /**
   * An ioredis client (yours: the store never closes it), or a `redis://` URL the store connects to
   * and closes on `close()`. A client must not use ioredis' `keyPrefix`: use `prefix` instead.
   */
  redis: Redis | string;
  /** Put before every key, so several apps (or test runs) can share one Redis. Default `clickpesa:`. */
  prefix?: string;
}

export interface RedisStore extends PaymentStore {
  readonly kind: 'redis';
  readonly shared: true;
  readonly budget: SharedBudget;
  readonly prefix: string;
}

/**
 * A PaymentStore on Redis, written against `@clickpesa-kit/core`'s storage contract and held to it by
 * `@clickpesa-kit/store-tests`. Every write that must be atomic is one Lua script (see src/lua); plain
 * reads are single commands. Several processes may share it (`shared: true`).
 */
export function createRedisStore(options: RedisStoreOptions): RedisStore {
  const ownsConnection = typeof options.redis === 'string';
  const redis = typeof options.redis === 'string' ? connect(options.redis) : options.redis;
  if (redis.options.keyPrefix) {
    // ioredis prefixes KEYS but not the key names our scripts build from ARGV: the two would disagree.
    throw new TypeError('createRedisStore: pass `prefix` instead of an ioredis client with `keyPrefix`');
  }
  return new RedisPaymentStore(redis, ownsConnection, options.prefix ?? 'clickpesa:');
}

/** A connection that fails fast when Redis is down: the kit answers 503 and tries later, it doesn't hang. */
function connect(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 5_000 });
  // Without a listener ioredis prints every connection error; they reach callers as STORE_UNAVAILABLE.
  redis.on('error', () => {});
  return redis;
}

class RedisPaymentStore implements RedisStore {
  readonly kind = 'redis';
  readonly shared = true;
  readonly budget: SharedBudget;
  private readonly keys: StoreKeys;
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly ownsConnection: boolean,
    readonly prefix: string,
  ) {
    this.keys = storeKeys(prefix);
    this.budget = {
      take: (name, capacity, intervalMs, now) =>
        this.run(async () =>
          Number(await this.script(takeBudgetScript, name, String(capacity), String(intervalMs), msArg(now))),
        ),
    };
  }

  createPayment(input: CreatePaymentInput): Promise<CreatePaymentResult> {
    return this.run(async () => {
      const payment = { ...input.payment, orderReferences: orderReferencesOf(input.payment) };
      const events = (input.events ?? []).map(encodeEvent);
      const idempotency = input.idempotency && inFlightIdempotency(input.idempotency, payment.id);
      const plan: CreatePaymentPlan = {
        id: payment.id,
        doc: encodePayment(payment),
        version: String(payment.version),
        orderReferences: payment.orderReferences,
        msisdn: payment.msisdn,
        active: ACTIVE_STATUSES.has(payment.status),
        exclusiveMsisdn: input.exclusiveMsisdn === true,
        nextPollAt: optional(msArg(payment.nextPollAt)),
        transactionId: payment.transactionId ?? undefined,
        idempotency: idempotency && {
          key: this.keys.idempotency(idempotency.ownerId, idempotency.key),
          createdAt: msArg(idempotency.createdAt),
          expiresAt: msArg(idempotency.expiresAt),
          fields: idempotencyFields(idempotency),
        },
        events,
        audit: auditItems(input.audit),
      };
      const reply = (await this.script(createPaymentScript, JSON.stringify(plan))) as CreatePaymentReply;
      switch (reply[0]) {
        case 'created':
          return {
            kind: 'created',
            payment: decodePayment(plan.doc),
            events: storedEvents(payment.id, events, reply[1]),
          };
        case 'idempotency_conflict':
          return { kind: 'idempotency_conflict', existing: decodeIdempotency(reply[1]) };
        case 'msisdn_busy':
          return { kind: 'msisdn_busy', paymentId: reply[1] };
        case 'conflict':
          throw conflict(reply[1]);
      }
    });
  }

  getPayment(id: string, ownerId?: string): Promise<PaymentRecord | null> {
    return this.run(async () => {
      const payment = await this.readPayment(id);
      return payment && (ownerId === undefined || payment.ownerId === ownerId) ? payment : null;
    });
  }

  getPaymentByOrderReference(orderReference: string): Promise<PaymentRecord | null> {
    return this.run(async () => {
      // The reference → id mapping never changes once written, so two reads are as good as one.
      const id = await this.redis.get(this.keys.orderReference(orderReference));
      return id === null ? null : this.readPayment(id);
    });
  }

  getPaymentByTransactionId(transactionId: string): Promise<PaymentRecord | null> {
    return this.run(async () => {
      const [id] = await this.redis.smembers(this.keys.transaction(transactionId));
      return id === undefined ? null : this.readPayment(id);
    });
  }

  hasActivePush(msisdn: string, exceptPaymentId?: string): Promise<boolean> {
    return this.run(async () => {
      const ids = await this.redis.smembers(this.keys.activeMsisdn(msisdn));
      return ids.some((id) => id !== exceptPaymentId);
    });
  }

  transition(input: TransitionInput): Promise<TransitionResult> {
    return this.run(async () => {
      // Read the row (one command, so doc, version and lease token agree), merge the changes here, and
      // let the script write only if the row is still the one we read (compare-and-set on the version).
      const [doc, version, leaseToken] = await this.redis.hmget(
        this.keys.payment(input.paymentId),
        'doc',
        'version',
        'leaseToken',
      );
      if (doc === null || doc === undefined) return { applied: false, payment: null, reason: 'not_found' };
      const current = decodePayment(doc);
      // Also needed for correctness: the changes must be merged into the row at expectedVersion.
      const refusal = transitionRefusal(input, { version: Number(version), leaseToken: Number(leaseToken) });
      if (refusal) return { applied: false, payment: current, reason: refusal };

      const { next, newOrderReference } = applyPaymentChanges(current, input.changes);
      const events = (input.events ?? []).map(encodeEvent);
      const plan: TransitionPlan = {
        id: current.id,
        expectedVersion: String(input.expectedVersion),
        leaseToken: input.leaseToken === undefined ? undefined : String(input.leaseToken),
        releaseLease: input.leaseToken !== undefined && input.releaseLease === true,
        doc: encodePayment(next),
        version: String(next.version),
        newOrderReference: newOrderReference ?? undefined,
        previousMsisdn: current.msisdn,
        msisdn: next.msisdn,
        active: ACTIVE_STATUSES.has(next.status),
        nextPollAt: optional(msArg(next.nextPollAt)),
        previousTransactionId: current.transactionId ?? undefined,
        transactionId: next.transactionId ?? undefined,
        events,
        audit: auditItems(input.audit),
      };
      const reply = (await this.script(transitionScript, JSON.stringify(plan))) as TransitionReply;
      switch (reply[0]) {
        case 'applied':
          return {
            applied: true,
            payment: decodePayment(plan.doc),
            events: storedEvents(next.id, events, reply[1]),
          };
        case 'not_found':
          return { applied: false, payment: null, reason: 'not_found' };
        case 'stale_lease':
        case 'version_conflict':
          // Someone else wrote between our read and the script: report the row as it is now.
          return { applied: false, payment: decodePayment(reply[1]), reason: reply[0] };
        case 'conflict':
          throw conflict(reply[1]);
      }
    });
  }

  claimIdempotency(record: IdempotencyRecord): Promise<ClaimIdempotencyResult> {
    return this.run(async () => {
      const plan = {
        key: this.keys.idempotency(record.ownerId, record.key),
        createdAt: msArg(record.createdAt),
        expiresAt: msArg(record.expiresAt),
        fields: idempotencyFields(record),
      };
      const reply = (await this.script(
        claimIdempotencyScript,
        JSON.stringify(plan),
      )) as ClaimIdempotencyReply;
      return reply[0] === 'claimed'
        ? { kind: 'claimed' }
        : { kind: 'exists', existing: decodeIdempotency(reply[1]) };
    });
  }

  getIdempotency(ownerId: string, key: string, now: Date): Promise<IdempotencyRecord | null> {
    return this.run(async () => {
      const fields = await this.redis.hgetall(this.keys.idempotency(ownerId, key));
      if (fields.expires_at === undefined) return null;
      const record = decodeIdempotency(fields);
      return isIdempotencyLive(record, now) ? record : null;
    });
  }

  completeIdempotency(ownerId: string, key: string): Promise<void> {
    return this.run(async () => {
      await this.script(completeIdempotencyScript, this.keys.idempotency(ownerId, key));
    });
  }

  pruneIdempotency(now: Date): Promise<number> {
    return this.run(async () => Number(await this.script(pruneIdempotencyScript, msArg(now))));
  }

  recordWebhookReceipt(receipt: WebhookReceipt): Promise<{ inserted: boolean }> {
    return this.run(async () => {
      const inserted = await this.script(
        recordWebhookReceiptScript,
        receipt.dedupeKey,
        encodeReceipt(receipt),
        receipt.orderReference ?? '',
      );
      return { inserted: Number(inserted) === 1 };
    });
  }

  listWebhookReceipts(filter?: { orderReference?: string }): Promise<WebhookReceipt[]> {
    return this.run(async () => {
      const list =
        filter?.orderReference === undefined
          ? this.keys.receiptOrder
          : this.keys.receiptsByReference(filter.orderReference);
      const dedupeKeys = await this.redis.lrange(list, 0, -1);
      if (dedupeKeys.length === 0) return [];
      // A key is listed only after its receipt was written (same script), so every HMGET hit exists.
      const receipts = await this.redis.hmget(this.keys.receipts, ...dedupeKeys);
      return receipts.filter((json): json is string => typeof json === 'string').map(decodeReceipt);
    });
  }

  appendAudit(entries: AuditEntry[]): Promise<void> {
    return this.run(async () => {
      if (entries.length === 0) return;
      // No condition to check, so MULTI/EXEC (all queued commands run together) is enough: no script.
      const transaction = this.redis.multi();
      for (const item of auditItems(entries)) {
        transaction.rpush(
          item.paymentId === undefined ? this.keys.unattachedAudit : this.keys.audit(item.paymentId),
          item.entry,
        );
      }
      const results = await transaction.exec();
      const failure = results?.find(([error]) => error !== null)?.[0];
      if (results === null || failure) throw failure ?? new Error('The audit transaction was discarded');
    });
  }

  listAudit(paymentId: string): Promise<AuditEntry[]> {
    return this.run(async () =>
      (await this.redis.lrange(this.keys.audit(paymentId), 0, -1)).map(decodeAudit),
    );
  }

  listEvents(paymentId: string): Promise<StoredEvent[]> {
    return this.run(async () => {
      const events = await this.redis.lrange(this.keys.events(paymentId), 0, -1);
      return storedEvents(paymentId, events, 1);
    });
  }

  claimDue(input: ClaimDueInput): Promise<ClaimedPayment[]> {
    return this.run(async () => {
      const leaseUntil = leaseEnd(input.now, input.leaseMs);
      const reply = (await this.script(
        claimDueScript,
        msArg(input.now),
        msArg(leaseUntil),
        String(Math.max(0, Math.floor(input.limit))),
        input.owner,
      )) as ClaimDueReply;
      return reply.map(([, leaseToken, doc]) => ({
        payment: decodePayment(doc),
        leaseToken: Number(leaseToken),
        leaseUntil: new Date(leaseUntil),
      }));
    });
  }

  releaseLease(paymentId: string, leaseToken: number): Promise<void> {
    return this.run(async () => {
      await this.script(releaseLeaseScript, paymentId, String(leaseToken));
    });
  }

  ping(): Promise<void> {
    return this.run(async () => {
      await this.redis.ping();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.ownsConnection) return;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  private async readPayment(id: string): Promise<PaymentRecord | null> {
    const doc = await this.redis.hget(this.keys.payment(id), 'doc');
    return doc === null ? null : decodePayment(doc);
  }

  private script(script: LuaScript, ...args: string[]): Promise<unknown> {
    return runScript(this.redis, script, this.prefix, ...args);
  }

  /** Every operation: refused once closed; any Redis failure reaches the caller as STORE_UNAVAILABLE. */
  private async run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closed) throw unavailable('The Redis store is closed');
    try {
      return await operation();
    } catch (error) {
      if (isClickPesaKitError(error)) throw error;
      throw unavailable('Redis could not complete the operation', error);
    }
  }
}

function storedEvents(paymentId: string, events: string[], firstSeq: number): StoredEvent[] {
  return events.map((json, index) => decodeEvent(json, paymentId, firstSeq + index));
}

function auditItems(entries: AuditEntry[] | undefined): AuditItem[] {
  // `paymentId` is left out (not null) for unattached entries: cjson would turn null into a truthy value.
  return (entries ?? []).map((entry) =>
    entry.paymentId === null
      ? { entry: encodeAudit(entry) }
      : { paymentId: entry.paymentId, entry: encodeAudit(entry) },
  );
}

/** '' (no value) → undefined, so JSON.stringify leaves the field out of a plan. */
function optional(value: string): string | undefined {
  return value === '' ? undefined : value;
}

function unavailable(message: string, cause?: unknown): ClickPesaKitError {
  return new ClickPesaKitError('STORE_UNAVAILABLE', { message, cause });
}

function conflict(message: string): ClickPesaKitError {
  return new ClickPesaKitError('STORE_CONFLICT', { message });
}
