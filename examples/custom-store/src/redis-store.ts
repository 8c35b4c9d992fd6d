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
  type NewEvent,
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
  ms,
} from './codec.js';
import { idempotencyId, type KeyOf, storeKeys } from './keys.js';
import {
  claimDueScript,
  type Guard,
  type GuardedReply,
  type GuardedWrite,
  guardedWriteScript,
  type LuaScript,
  pruneIdempotencyScript,
  runScript,
  takeBudgetScript,
} from './lua.js';

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
 * `@clickpesa-kit/store-tests`. Every write is one Lua script (see lua.ts): most are a list of checks and
 * a list of writes prepared here and run by one generic script. Plain reads are single commands. Several processes may share it (`shared: true`).
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
  private readonly key: KeyOf;
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly ownsConnection: boolean,
    readonly prefix: string,
  ) {
    this.key = storeKeys(prefix);
    this.budget = {
      take: (name, capacity, intervalMs, now) =>
        this.run(async () => {
          const args = [this.key('budget', name), String(capacity), String(intervalMs), ms(now)];
          return Number(await this.script(takeBudgetScript, ...args));
        }),
    };
  }

  createPayment(input: CreatePaymentInput): Promise<CreatePaymentResult> {
    return this.run(async () => {
      const payment = { ...input.payment, orderReferences: orderReferencesOf(input.payment) };
      const { id, msisdn } = payment;
      const key = this.key('payment', id);
      const idempotency = input.idempotency && inFlightIdempotency(input.idempotency, id);
      const active = this.key('activeMsisdn', msisdn);
      // Checks in the contract's order; the first that fails is the reply, and nothing is written.
      const guards: Guard[] = [
        ...(idempotency ? [this.idempotencyFree(idempotency)] : []),
        { call: ['EXISTS', key], is: '0', fail: 'id_taken' },
        ...(input.exclusiveMsisdn
          ? [{ call: ['SCARD', active], is: '0', fail: 'msisdn_busy', detail: ['SRANDMEMBER', active] }]
          : []),
        ...payment.orderReferences.map((reference) => this.referenceFree(reference)),
      ];
      const doc = encodePayment(payment);
      const writes = [
        ['HSET', key, 'doc', doc, 'version', String(payment.version), 'leaseToken', '0'],
        ...payment.orderReferences.map((reference) => ['SET', this.key('orderReference', reference), id]),
        ...(idempotency ? this.idempotencyWrites(idempotency) : []),
        ...this.indexWrites(null, payment),
        ...this.historyWrites(id, input.events, input.audit),
      ];
      const reply = await this.guarded({ guards, seqOf: this.key('events', id), writes });
      if (reply[0] === 'ok') {
        return {
          kind: 'created',
          payment: decodePayment(doc),
          events: this.stored(id, input.events, reply[1]),
        };
      }
      return reply[0] === 'msisdn_busy'
        ? { kind: 'msisdn_busy', paymentId: String(reply[1]) }
        : { kind: 'idempotency_conflict', existing: decodeIdempotency(reply[1] as string[]) };
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
      const id = await this.redis.get(this.key('orderReference', orderReference));
      return id === null ? null : this.readPayment(id);
    });
  }

  getPaymentByTransactionId(transactionId: string): Promise<PaymentRecord | null> {
    return this.run(async () => {
      const [id] = await this.redis.smembers(this.key('transaction', transactionId));
      return id === undefined ? null : this.readPayment(id);
    });
  }

  hasActivePush(msisdn: string, exceptPaymentId?: string): Promise<boolean> {
    return this.run(async () => {
      const ids = await this.redis.smembers(this.key('activeMsisdn', msisdn));
      return ids.some((id) => id !== exceptPaymentId);
    });
  }

  transition(input: TransitionInput): Promise<TransitionResult> {
    return this.run(async () => {
      // Read the row (one command, so doc, version and lease token agree), merge the changes here, and
      // write only if the row is still the one we read: every change bumps `version`, so comparing it is
      // enough (compare-and-set), with the lease token as the poller's fence.
      const key = this.key('payment', input.paymentId);
      const [doc, version, leaseToken] = await this.redis.hmget(key, 'doc', 'version', 'leaseToken');
      if (!doc) return { applied: false, payment: null, reason: 'not_found' };
      const current = decodePayment(doc);
      const refusal = transitionRefusal(input, { version: Number(version), leaseToken: Number(leaseToken) });
      if (refusal) return { applied: false, payment: current, reason: refusal };

      const { next, newOrderReference } = applyPaymentChanges(current, input.changes);
      const nextDoc = encodePayment(next);
      const detail = ['HGET', key, 'doc'];
      const guards: Guard[] = [
        { call: ['EXISTS', key], is: '1', fail: 'not_found' },
        ...(input.leaseToken === undefined
          ? []
          : [
              {
                call: ['HGET', key, 'leaseToken'],
                is: String(input.leaseToken),
                fail: 'stale_lease',
                detail,
              },
            ]),
        {
          call: ['HGET', key, 'version'],
          is: String(input.expectedVersion),
          fail: 'version_conflict',
          detail,
        },
        ...(newOrderReference ? [this.referenceFree(newOrderReference)] : []),
      ];
      const writes = [
        ['HSET', key, 'doc', nextDoc, 'version', String(next.version)],
        ...(newOrderReference ? [['SET', this.key('orderReference', newOrderReference), next.id]] : []),
        ...(input.leaseToken !== undefined && input.releaseLease
          ? [['HDEL', key, 'leaseOwner', 'leaseUntil']]
          : []),
        ...this.indexWrites(current, next),
        ...this.historyWrites(next.id, input.events, input.audit),
      ];
      const reply = await this.guarded({ guards, seqOf: this.key('events', next.id), writes });
      if (reply[0] === 'ok') {
        return {
          applied: true,
          payment: decodePayment(nextDoc),
          events: this.stored(next.id, input.events, reply[1]),
        };
      }
      // Someone else wrote between our read and the script: report the row as it is now.
      const reason = reply[0] as 'not_found' | 'stale_lease' | 'version_conflict';
      return {
        applied: false,
        payment: reason === 'not_found' ? null : decodePayment(String(reply[1])),
        reason,
      };
    });
  }

  claimIdempotency(record: IdempotencyRecord): Promise<ClaimIdempotencyResult> {
    return this.run(async () => {
      const writes = this.idempotencyWrites(record);
      const reply = await this.guarded({ guards: [this.idempotencyFree(record)], writes });
      return reply[0] === 'ok'
        ? { kind: 'claimed' }
        : { kind: 'exists', existing: decodeIdempotency(reply[1] as string[]) };
    });
  }

  getIdempotency(ownerId: string, key: string, now: Date): Promise<IdempotencyRecord | null> {
    return this.run(async () => {
      const fields = await this.redis.hgetall(this.key('idempotency', idempotencyId(ownerId, key)));
      if (fields.expires_at === undefined) return null;
      const record = decodeIdempotency(fields);
      return isIdempotencyLive(record, now) ? record : null;
    });
  }

  completeIdempotency(ownerId: string, key: string): Promise<void> {
    return this.run(async () => {
      // Guarded so that completing an unknown key creates nothing.
      const name = this.key('idempotency', idempotencyId(ownerId, key));
      const guards = [{ call: ['EXISTS', name], is: '1', fail: 'unknown' }];
      await this.guarded({ guards, writes: [['HSET', name, 'state', 'completed']] });
    });
  }

  pruneIdempotency(now: Date): Promise<number> {
    return this.run(async () =>
      Number(await this.script(pruneIdempotencyScript, this.key('idempotencyExpiry'), ms(now))),
    );
  }

  recordWebhookReceipt(receipt: WebhookReceipt): Promise<{ inserted: boolean }> {
    return this.run(async () => {
      // Insert-if-absent, and the receipt joins the arrival-order lists exactly when it was inserted.
      const { dedupeKey, orderReference } = receipt;
      const receipts = this.key('receipts');
      const reply = await this.guarded({
        guards: [{ call: ['HEXISTS', receipts, dedupeKey], is: '0', fail: 'duplicate' }],
        writes: [
          ['HSET', receipts, dedupeKey, encodeReceipt(receipt)],
          ['RPUSH', this.key('receiptOrder'), dedupeKey],
          ...(orderReference ? [['RPUSH', this.key('receiptsByReference', orderReference), dedupeKey]] : []),
        ],
      });
      return { inserted: reply[0] === 'ok' };
    });
  }

  listWebhookReceipts(filter?: { orderReference?: string }): Promise<WebhookReceipt[]> {
    return this.run(async () => {
      const reference = filter?.orderReference;
      const list =
        reference === undefined ? this.key('receiptOrder') : this.key('receiptsByReference', reference);
      const dedupeKeys = await this.redis.lrange(list, 0, -1);
      if (dedupeKeys.length === 0) return [];
      // A key is listed only after its receipt was written (same script), so every HMGET hit exists.
      const receipts = await this.redis.hmget(this.key('receipts'), ...dedupeKeys);
      return receipts.filter((json): json is string => typeof json === 'string').map(decodeReceipt);
    });
  }

  appendAudit(entries: AuditEntry[]): Promise<void> {
    return this.run(async () => {
      if (entries.length > 0) await this.guarded({ guards: [], writes: this.historyWrites('', [], entries) });
    });
  }

  listAudit(paymentId: string): Promise<AuditEntry[]> {
    return this.run(async () =>
      (await this.redis.lrange(this.key('audit', paymentId), 0, -1)).map(decodeAudit),
    );
  }

  listEvents(paymentId: string): Promise<StoredEvent[]> {
    return this.run(async () => {
      const events = await this.redis.lrange(this.key('events', paymentId), 0, -1);
      return events.map((json, index) => decodeEvent(json, paymentId, index + 1));
    });
  }

  claimDue(input: ClaimDueInput): Promise<ClaimedPayment[]> {
    return this.run(async () => {
      const leaseUntil = leaseEnd(input.now, input.leaseMs);
      const limit = String(Math.max(0, Math.floor(input.limit)));
      const [due, payment] = [this.key('due'), this.key('payment')];
      const args = [due, payment, ms(input.now), ms(leaseUntil), limit, input.owner];
      const claimed = (await this.script(claimDueScript, ...args)) as Array<[string, number, string]>;
      return claimed.map(([, token, doc]) => ({
        payment: decodePayment(doc),
        leaseToken: token,
        leaseUntil,
      }));
    });
  }

  releaseLease(paymentId: string, leaseToken: number): Promise<void> {
    return this.run(async () => {
      const key = this.key('payment', paymentId);
      const guards = [{ call: ['HGET', key, 'leaseToken'], is: String(leaseToken), fail: 'not_mine' }];
      await this.guarded({ guards, writes: [['HDEL', key, 'leaseOwner', 'leaseUntil']] });
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
    const doc = await this.redis.hget(this.key('payment', id), 'doc');
    return doc === null ? null : decodePayment(doc);
  }

  /** The indexes that follow a payment's fields: MSISDN → active payments, the due set, transaction ids. */
  private indexWrites(before: PaymentRecord | null, after: PaymentRecord): string[][] {
    const { id, transactionId, nextPollAt } = after;
    const writes = before ? [['SREM', this.key('activeMsisdn', before.msisdn), id]] : [];
    if (ACTIVE_STATUSES.has(after.status)) writes.push(['SADD', this.key('activeMsisdn', after.msisdn), id]);
    writes.push(nextPollAt ? ['ZADD', this.key('due'), ms(nextPollAt), id] : ['ZREM', this.key('due'), id]);
    if (before?.transactionId && before.transactionId !== transactionId) {
      writes.push(['SREM', this.key('transaction', before.transactionId), id]);
    }
    if (transactionId) writes.push(['SADD', this.key('transaction', transactionId), id]);
    return writes;
  }

  /** Appends events (an event's seq is its list position + 1) and audit entries. */
  private historyWrites(paymentId: string, events: NewEvent[] = [], audit: AuditEntry[] = []): string[][] {
    const writes =
      events.length > 0 ? [['RPUSH', this.key('events', paymentId), ...events.map(encodeEvent)]] : [];
    for (const entry of audit) {
      const list =
        entry.paymentId === null ? this.key('unattachedAudit') : this.key('audit', entry.paymentId);
      writes.push(['RPUSH', list, encodeAudit(entry)]);
    }
    return writes;
  }

  /** Replaces the record (an expired one too) and files it under its expiry. */
  private idempotencyWrites(record: IdempotencyRecord): string[][] {
    const key = this.key('idempotency', idempotencyId(record.ownerId, record.key));
    const expiry = ['ZADD', this.key('idempotencyExpiry'), ms(record.expiresAt), key];
    return [['DEL', key], ['HSET', key, ...idempotencyFields(record)], expiry];
  }

  /**
   * The key is free unless a record holds it that has not expired at the new record's `createdAt` (the
   * caller's clock, not Redis TTLs: tests run it in the past and the future).
   */
  private idempotencyFree(record: IdempotencyRecord): Guard {
    const key = this.key('idempotency', idempotencyId(record.ownerId, record.key));
    const call = ['ZSCORE', this.key('idempotencyExpiry'), key];
    return { call, above: ms(record.createdAt), fail: 'idempotency_conflict', detail: ['HGETALL', key] };
  }

  private referenceFree(reference: string): Guard {
    return { call: ['EXISTS', this.key('orderReference', reference)], is: '0', fail: 'reference_taken' };
  }

  /** The stored form of events just appended from `firstSeq` (decoded, so callers get fresh objects). */
  private stored(paymentId: string, events: NewEvent[] = [], firstSeq: unknown): StoredEvent[] {
    return events.map((event, index) => decodeEvent(encodeEvent(event), paymentId, Number(firstSeq) + index));
  }

  /** Runs a guarded write; a taken id or order reference is the caller's STORE_CONFLICT. */
  private async guarded(plan: GuardedWrite): Promise<GuardedReply> {
    const reply = (await this.script(guardedWriteScript, JSON.stringify(plan))) as GuardedReply;
    const conflict = CONFLICTS[reply[0]];
    if (conflict) throw new ClickPesaKitError('STORE_CONFLICT', { message: conflict });
    return reply;
  }

  private script(script: LuaScript, ...args: string[]): Promise<unknown> {
    return runScript(this.redis, script, ...args);
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

const CONFLICTS: Record<string, string> = {
  id_taken: 'A payment with this id already exists',
  reference_taken: 'This order reference is already used',
};

function unavailable(message: string, cause?: unknown): ClickPesaKitError {
  return new ClickPesaKitError('STORE_UNAVAILABLE', { message, cause });
}
