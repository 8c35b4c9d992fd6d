import { ClickPesaKitError, isClickPesaKitError, type PaymentRecord } from '@clickpesa-kit/core';
import * as core from '@clickpesa-kit/core/store';
import { Redis } from 'ioredis';
import * as codec from './codec.js';
import { consumerId, idempotencyId, type KeyOf, orderId, storeKeys } from './keys.js';
import * as lua from './lua.js';

const { payments, receipts, audit, ms } = codec;

/** Payment ids read per round trip while listing. */
const LIST_BATCH = 100;

export interface RedisStoreOptions {
  /**
   * An ioredis client (yours: the store never closes it), or a `redis://` URL the store connects to
   * and closes on `close()`. A client must not use ioredis' `keyPrefix`: use `prefix` instead.
   */
  redis: Redis | string;
  /** Put before every key, so several apps (or test runs) can share one Redis. Default `clickpesa:`. */
  prefix?: string;
}

export interface RedisStore extends core.PaymentStore {
  readonly kind: 'redis';
  readonly shared: true;
  readonly budget: core.SharedBudget;
  readonly prefix: string;
}

/**
 * A PaymentStore on Redis, written against `@clickpesa-kit/core`'s storage contract and held to it by
 * `@clickpesa-kit/store-tests`. Several processes may share it. Every write is one Lua script (lua.ts):
 * most are a list of checks and a list of writes built here, run by one generic script. Reads are plain.
 */
export function createRedisStore(options: RedisStoreOptions): RedisStore {
  const owned = typeof options.redis === 'string';
  const redis = typeof options.redis === 'string' ? connect(options.redis) : options.redis;
  if (redis.options.keyPrefix) {
    // ioredis prefixes KEYS but not the key names our scripts get in ARGV: the two would disagree.
    throw new TypeError('createRedisStore: pass `prefix` instead of an ioredis client with `keyPrefix`');
  }
  const store = new RedisPaymentStore(redis, owned, options.prefix ?? 'clickpesa:');
  // Every operation but close(), in one place: refused once closed, and any Redis failure reaches the
  // caller as STORE_UNAVAILABLE (the kit answers 503 and tries later).
  return new Proxy(store, {
    get(target, name) {
      const value = Reflect.get(target, name);
      if (typeof value !== 'function' || name === 'close') return value;
      return (...args: unknown[]) => run(target, () => value.apply(target, args));
    },
  });
}

/** A connection that fails fast when Redis is down: the kit answers 503 and tries later, it doesn't hang. */
function connect(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 5_000 });
  redis.on('error', () => {}); // else ioredis prints every connection error; callers get STORE_UNAVAILABLE
  return redis;
}

async function run<T>(store: RedisPaymentStore, operation: () => Promise<T>): Promise<T> {
  if (store.closed) throw unavailable('The Redis store is closed');
  try {
    return await operation();
  } catch (error) {
    if (isClickPesaKitError(error)) throw error;
    throw unavailable('Redis could not complete the operation', error);
  }
}

class RedisPaymentStore implements RedisStore {
  readonly kind = 'redis';
  readonly shared = true;
  readonly budget: core.SharedBudget;
  private readonly key: KeyOf;
  closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly owned: boolean,
    readonly prefix: string,
  ) {
    this.key = storeKeys(prefix);
    const take = lua.takeBudgetScript;
    this.budget = {
      take: (name, capacity, intervalMs, now) =>
        run(this, async () =>
          Number(await this.script(take, this.key('budget', name), `${capacity}`, `${intervalMs}`, ms(now))),
        ),
    };
  }

  async createPayment(input: core.CreatePaymentInput) {
    const payment = { ...input.payment, orderReferences: core.orderReferencesOf(input.payment) };
    const { id, orderReferences } = payment;
    const key = this.key('payment', id);
    const idempotency = input.idempotency && core.inFlightIdempotency(input.idempotency, id);
    const active = this.key('activeMsisdn', payment.msisdn);
    const busy = { call: ['SCARD', active], is: '0', fail: 'msisdn_busy', detail: ['SRANDMEMBER', active] };
    // a cancelled payment whose prompt may still be live (store-rules holdsMsisdn): attempt started since then
    const held = this.key('heldMsisdn', payment.msisdn);
    const since = input.msisdnHeldSince && ms(input.msisdnHeldSince);
    const heldBusy = since && {
      call: ['ZCOUNT', held, since, '+inf'],
      is: '0',
      fail: 'msisdn_busy',
      detail: ['ZRANGEBYSCORE', held, since, '+inf', 'LIMIT', '0', '1'],
    };
    // The first check that fails is the reply, and then nothing is written.
    const guards: lua.Guard[] = [
      ...(idempotency ? [this.idempotencyFree(idempotency)] : []),
      { call: ['EXISTS', key], is: '0', fail: 'id_taken' },
      ...(input.exclusiveMsisdn ? [busy] : []),
      ...(input.exclusiveMsisdn && heldBusy ? [heldBusy] : []),
      ...this.orderGuards(payment, input.maxOrderAttempts),
      ...orderReferences.map((reference) => this.referenceFree(reference)),
    ];
    const doc = payments.encode(payment);
    const created = payments.decode(doc);
    const writes = [
      ['HSET', key, 'doc', doc, 'version', String(payment.version), 'leaseToken', '0'],
      ...orderReferences.map((reference) => ['SET', this.key('orderReference', reference), id]),
      ...(idempotency ? this.idempotencyWrites(idempotency) : []),
      ...this.indexWrites(null, payment),
      ...this.listWrites(payment),
      ...this.auditWrites(input.audit),
    ];
    const events = this.eventWrite(created, input.events);
    const [outcome, detail, position] = await this.guarded({ guards, writes, events });
    if (outcome === 'ok') {
      const stored = core.numberEvents(created, Number(detail), input.events, Number(position));
      return { kind: 'created', payment: created, events: stored } as const;
    }
    const first = Array.isArray(detail) ? String(detail[0]) : String(detail);
    if (outcome === 'msisdn_busy') return { kind: 'msisdn_busy', paymentId: first } as const;
    if (outcome === 'order_busy') return { kind: 'order_busy', paymentId: first } as const;
    if (outcome === 'order_attempts_exhausted') {
      return { kind: 'order_attempts_exhausted', attempts: Number(detail) } as const;
    }
    return { kind: 'idempotency_conflict', existing: codec.decodeIdempotency(detail as string[]) } as const;
  }

  /** One holding payment per order (ORD-2), and at most `max` payments of it (ORD-3). */
  private orderGuards(payment: PaymentRecord, max: number | undefined): lua.Guard[] {
    if (payment.externalOrderId === null) return [];
    const order = orderId(payment.ownerId, payment.externalOrderId);
    const active = this.key('orderActive', order);
    const all = this.key('orderPayments', order);
    return [
      { call: ['SCARD', active], is: '0', fail: 'order_busy', detail: ['SRANDMEMBER', active] },
      ...(max === undefined
        ? []
        : [
            {
              call: ['ZCARD', all],
              above: String(max - 1),
              fail: 'order_attempts_exhausted',
              detail: ['ZCARD', all],
            },
          ]),
    ];
  }

  /** The sorted sets `listPayments` reads (createdAt never changes, so a payment is filed once). */
  private listWrites(payment: PaymentRecord): string[][] {
    const at = ms(payment.createdAt);
    const writes = [
      ['ZADD', this.key('ownerPayments', payment.ownerId), at, payment.id],
      ['ZADD', this.key('allPayments'), at, payment.id],
    ];
    if (payment.externalOrderId !== null) {
      const order = orderId(payment.ownerId, payment.externalOrderId);
      writes.push(['ZADD', this.key('orderPayments', order), at, payment.id]);
    }
    return writes;
  }

  async listPayments(input: core.ListPaymentsInput): Promise<PaymentRecord[]> {
    const key =
      input.externalOrderId === undefined
        ? this.key('ownerPayments', input.ownerId)
        : this.key('orderPayments', orderId(input.ownerId, input.externalOrderId));
    return this.walkList(key, input, (payment) => payment.ownerId === input.ownerId);
  }

  /** Every owner's payments (operators' tools): the global sorted set, filtered like listPayments. */
  listAllPayments(input: core.ListAllPaymentsInput): Promise<PaymentRecord[]> {
    return this.walkList(this.key('allPayments'), input, () => true);
  }

  /** Walks a sorted set of payment ids newest first, keeping those that pass the filters, up to the limit. */
  private async walkList(
    key: string,
    input: core.ListAllPaymentsInput,
    belongs: (payment: PaymentRecord) => boolean,
  ): Promise<PaymentRecord[]> {
    const found: PaymentRecord[] = [];
    const top = input.before ? ms(input.before.createdAt) : '+inf';
    // equal scores come back by id descending too: the contract's order; filters are applied per batch
    for (let offset = 0; found.length < input.limit; offset += LIST_BATCH) {
      const ids = await this.redis.zrevrangebyscore(key, top, '-inf', 'LIMIT', offset, LIST_BATCH);
      for (const id of ids) {
        const payment = await this.readPayment(id);
        if (!payment || !belongs(payment)) continue;
        if (input.before && !core.isAfterListPosition(payment, input.before)) continue;
        if (input.status !== undefined && payment.status !== input.status) continue;
        found.push(payment);
        if (found.length >= input.limit) break;
      }
      if (ids.length < LIST_BATCH) break;
    }
    return found;
  }

  async getPayment(id: string, ownerId?: string) {
    const payment = await this.readPayment(id);
    return payment && (ownerId === undefined || payment.ownerId === ownerId) ? payment : null;
  }

  async getPaymentByOrderReference(orderReference: string) {
    // The reference → id mapping never changes once written, so two reads are as good as one.
    const id = await this.redis.get(this.key('orderReference', orderReference));
    return id === null ? null : this.readPayment(id);
  }

  async getPaymentByTransactionId(transactionId: string) {
    const [id] = await this.redis.smembers(this.key('transaction', transactionId));
    return id === undefined ? null : this.readPayment(id);
  }

  async hasActivePush(msisdn: string, exceptPaymentId?: string, heldSince?: Date) {
    const ids = await this.redis.smembers(this.key('activeMsisdn', msisdn));
    const held = heldSince
      ? await this.redis.zrangebyscore(this.key('heldMsisdn', msisdn), ms(heldSince), '+inf')
      : [];
    return [...ids, ...held].some((id) => id !== exceptPaymentId);
  }

  async transition(input: core.TransitionInput) {
    // Read the row (one command, so doc, version and lease token agree), merge the changes here, and
    // write only if the row is still the one we read: every write bumps `version`, so comparing it is a
    // compare-and-set, and the lease token is the poller's fence. Payments are never deleted.
    const key = this.key('payment', input.paymentId);
    const [doc, version, leaseToken] = await this.redis.hmget(key, 'doc', 'version', 'leaseToken');
    if (!doc) return { applied: false, payment: null, reason: 'not_found' } as const;
    const current = payments.decode(doc);
    const stored = { version: Number(version), leaseToken: Number(leaseToken) };
    const refusal = core.transitionRefusal(input, stored);
    if (refusal) return { applied: false, payment: current, reason: refusal } as const;

    const { next, newOrderReference: newReference } = core.applyPaymentChanges(current, input.changes);
    const [token, detail] = [String(input.leaseToken), ['HGET', key, 'doc']];
    const fenced = input.leaseToken !== undefined;
    const guards: lua.Guard[] = [
      ...(fenced ? [{ call: ['HGET', key, 'leaseToken'], is: token, fail: 'stale_lease', detail }] : []),
      { call: ['HGET', key, 'version'], is: String(input.expectedVersion), fail: 'version_conflict', detail },
      ...(newReference ? [this.referenceFree(newReference)] : []),
      ...(core.claimsOrder(current, next) ? this.orderGuards(next, undefined) : []),
    ];
    const nextDoc = payments.encode(next);
    const updated = payments.decode(nextDoc);
    const writes = [
      ['HSET', key, 'doc', nextDoc, 'version', String(next.version)],
      ...(newReference ? [['SET', this.key('orderReference', newReference), next.id]] : []),
      ...(fenced && input.releaseLease ? [['HDEL', key, 'leaseOwner', 'leaseUntil']] : []),
      ...this.indexWrites(current, next),
      ...this.auditWrites(input.audit),
    ];
    const events = this.eventWrite(updated, input.events);
    const [outcome, reply, position] = await this.guarded({ guards, writes, events });
    if (outcome === 'ok') {
      const stored = core.numberEvents(updated, Number(reply), input.events, Number(position));
      return { applied: true, payment: updated, events: stored } as const;
    }
    if (outcome === 'order_busy') return { applied: false, payment: current, reason: 'order_busy' } as const;
    // Someone else wrote between our read and the script: report the row as it is now.
    const reason = outcome as 'stale_lease' | 'version_conflict';
    return { applied: false, payment: payments.decode(String(reply)), reason } as const;
  }

  async claimIdempotency(record: core.IdempotencyRecord) {
    const writes = this.idempotencyWrites(record);
    const [outcome, existing] = await this.guarded({ guards: [this.idempotencyFree(record)], writes });
    return outcome === 'ok'
      ? ({ kind: 'claimed' } as const)
      : ({ kind: 'exists', existing: codec.decodeIdempotency(existing as string[]) } as const);
  }

  async getIdempotency(ownerId: string, key: string, now: Date) {
    const fields = await this.redis.hgetall(this.key('idempotency', idempotencyId(ownerId, key)));
    const record = fields.expires_at === undefined ? null : codec.decodeIdempotency(fields);
    return record && core.isIdempotencyLive(record, now) ? record : null;
  }

  async completeIdempotency(ownerId: string, key: string) {
    // Guarded so that completing an unknown key creates nothing.
    const name = this.key('idempotency', idempotencyId(ownerId, key));
    const guards = [{ call: ['EXISTS', name], is: '1', fail: 'unknown' }];
    await this.guarded({ guards, writes: [['HSET', name, 'state', 'completed']] });
  }

  async pruneIdempotency(now: Date) {
    const expiry = this.key('idempotencyExpiry');
    return Number(await this.script(lua.pruneIdempotencyScript, expiry, ms(now)));
  }

  async recordWebhookReceipt(receipt: core.WebhookReceipt) {
    // Insert-if-absent; the receipt joins the arrival-order lists exactly when it is inserted.
    const { dedupeKey, orderReference } = receipt;
    const [outcome] = await this.guarded({
      guards: [{ call: ['HEXISTS', this.key('receipts'), dedupeKey], is: '0', fail: 'duplicate' }],
      writes: [
        ['HSET', this.key('receipts'), dedupeKey, receipts.encode(receipt)],
        ['RPUSH', this.key('receiptOrder'), dedupeKey],
        ...(orderReference ? [['RPUSH', this.key('receiptsOf', orderReference), dedupeKey]] : []),
      ],
    });
    return { inserted: outcome === 'ok' };
  }

  async listWebhookReceipts(filter?: { orderReference?: string }) {
    const reference = filter?.orderReference;
    const list = reference === undefined ? this.key('receiptOrder') : this.key('receiptsOf', reference);
    const dedupeKeys = await this.redis.lrange(list, 0, -1);
    // A key is listed only after its receipt was written (same script), so every HMGET hit exists.
    const found = dedupeKeys.length === 0 ? [] : await this.redis.hmget(this.key('receipts'), ...dedupeKeys);
    return found.filter((json) => json !== null).map(receipts.decode);
  }

  async appendAudit(entries: core.AuditEntry[]) {
    if (entries.length > 0) await this.guarded({ guards: [], writes: this.auditWrites(entries) });
  }

  async listAudit(paymentId: string) {
    return (await this.redis.lrange(this.key('audit', paymentId), 0, -1)).map(audit.decode);
  }

  async listEvents(paymentId: string) {
    return this.readEvents(await this.redis.zrange(this.key('events', paymentId), '0', '-1'));
  }

  async claimEventDeliveries(input: core.ClaimDeliveriesInput) {
    const leaseUntil = core.leaseEnd(input.now, input.leaseMs);
    const consumer = consumerId(input.consumer);
    const args = [
      this.key('pending', consumer),
      this.key('pendingSeq', consumer),
      this.key('delivery', consumer),
      ms(input.now),
      ms(leaseUntil),
      String(Math.max(0, Math.floor(input.limit))),
      input.owner,
    ];
    const claimed = (await this.script(lua.claimDeliveriesScript, ...args)) as string[][];
    return this.withEvents(claimed.map((fields) => codec.decodeDelivery(fields)));
  }

  async completeEventDelivery(input: core.SettleDeliveryInput) {
    return this.settle(input, (row) => [
      ['HSET', this.deliveryKey(row), 'state', 'delivered', 'delivered_at', ms(input.now)],
      ...this.leavePending(row),
    ]);
  }

  async failEventDelivery(input: core.FailDeliveryInput) {
    return this.settle(input, (row) => {
      const key = this.deliveryKey(row);
      const attempt = [
        ['HINCRBY', key, 'attempts', '1'],
        ['HSET', key, 'last_error', input.error],
      ];
      if (input.retryAt !== null) return [...attempt, ['HSET', key, 'next_attempt_at', ms(input.retryAt)]];
      return [
        ...attempt,
        ['HSET', key, 'state', 'dead'],
        ['HDEL', key, 'next_attempt_at'],
        ['ZADD', this.key('dead'), String(row.position), deadMember(row)],
        ...this.leavePending(row),
      ];
    });
  }

  async listDeadDeliveries(input: core.ListDeadDeliveriesInput) {
    // Members sort by position, then by name ("consumer\0event"): oldest first, consumers in name order.
    const members = await this.redis.zrangebyscore(this.key('dead'), `(${input.after ?? 0}`, '+inf');
    const wanted = members
      .map((member) => member.split('\u0000') as [string, string])
      .filter(([consumer]) => input.consumer === undefined || consumer === input.consumer)
      .slice(0, Math.max(0, input.limit));
    const rows = await Promise.all(wanted.map(([consumer, eventId]) => this.readDelivery(consumer, eventId)));
    return this.withEvents(rows.filter((row) => row !== null));
  }

  async replayDeadDelivery(input: { consumer: string; eventId: string; now: Date }) {
    const row = await this.readDelivery(input.consumer, input.eventId);
    if (row === null || row.state !== 'dead') return false;
    const key = this.deliveryKey(row);
    const occurredAt = await this.redis.hget(key, 'occurred_at');
    const [outcome] = await this.guarded({
      guards: [{ call: ['HGET', key, 'state'], is: 'dead', fail: 'not_dead' }],
      writes: [
        ['HSET', key, 'state', 'pending', 'attempts', '0', 'next_attempt_at', ms(input.now)],
        ['ZREM', this.key('dead'), deadMember(row)],
        ...this.pendingWrites(row, String(occurredAt)),
      ],
    });
    return outcome === 'ok';
  }

  async listEventsSince(input: { after: number | null; limit: number }) {
    if (input.limit <= 0) return [];
    const log = this.key('eventLog');
    const ids = await this.redis.zrangebyscore(log, `(${input.after ?? 0}`, '+inf', 'LIMIT', 0, input.limit);
    return this.readEvents(ids);
  }

  async outboxStats() {
    const [pending, dead, oldest] = await Promise.all([
      this.redis.zcard(this.key('pendingByTime')),
      this.redis.zcard(this.key('dead')),
      this.redis.zrange(this.key('pendingByTime'), '0', '0', 'WITHSCORES'),
    ]);
    return { pending, dead, oldestPendingAt: oldest[1] === undefined ? null : new Date(Number(oldest[1])) };
  }

  async pruneRecords(input: core.PruneRecordsInput) {
    const limit = input.limit ?? core.DEFAULT_PRUNE_LIMIT;
    return {
      events: input.eventsBefore ? await this.pruneEvents(input.eventsBefore, limit) : 0,
      receipts: input.receiptsBefore ? await this.pruneReceipts(input.receiptsBefore, limit) : 0,
      audit: input.auditBefore ? await this.pruneAudit(input.auditBefore, limit) : 0,
    };
  }

  async claimDue(input: core.ClaimDueInput) {
    const leaseUntil = core.leaseEnd(input.now, input.leaseMs);
    const limit = String(Math.max(0, Math.floor(input.limit)));
    const args = [this.key('due'), this.key('payment'), ms(input.now), ms(leaseUntil), limit, input.owner];
    const claimed = (await this.script(lua.claimDueScript, ...args)) as Array<[string, number, string]>;
    return claimed.map(([, leaseToken, doc]) => ({ payment: payments.decode(doc), leaseToken, leaseUntil }));
  }

  async releaseLease(paymentId: string, leaseToken: number) {
    const key = this.key('payment', paymentId);
    const guards = [{ call: ['HGET', key, 'leaseToken'], is: String(leaseToken), fail: 'not_mine' }];
    await this.guarded({ guards, writes: [['HDEL', key, 'leaseOwner', 'leaseUntil']] });
  }

  async ping() {
    await this.redis.ping();
  }

  async close() {
    if (this.closed) return;
    this.closed = true;
    if (this.owned) await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private async readPayment(id: string): Promise<PaymentRecord | null> {
    const doc = await this.redis.hget(this.key('payment', id), 'doc');
    return doc === null ? null : payments.decode(doc);
  }

  /** The indexes that follow a payment's fields: MSISDN → active payments, the due set, transaction ids. */
  private indexWrites(before: PaymentRecord | null, after: PaymentRecord): string[][] {
    const { id, transactionId, nextPollAt } = after;
    const writes = before ? [['SREM', this.key('activeMsisdn', before.msisdn), id]] : [];
    const active = core.ACTIVE_STATUSES.has(after.status);
    if (active) writes.push(['SADD', this.key('activeMsisdn', after.msisdn), id]);
    // cancelled and still reconciled: may hold the MSISDN (scored by attempt start; the window is the caller's)
    const held = this.key('heldMsisdn', after.msisdn);
    if (before) writes.push(['ZREM', this.key('heldMsisdn', before.msisdn), id]);
    if (after.status === 'cancelled' && after.nextPollAt !== null) {
      writes.push(['ZADD', held, ms(after.attemptStartedAt), id]);
    }
    // the order's holders (ORD-2): one, plus any success that shares the order (ORD-4, a late success)
    if (after.externalOrderId !== null) {
      const order = this.key('orderActive', orderId(after.ownerId, after.externalOrderId));
      writes.push([core.holdsOrder(after) ? 'SADD' : 'SREM', order, id]);
    }
    writes.push(nextPollAt ? ['ZADD', this.key('due'), ms(nextPollAt), id] : ['ZREM', this.key('due'), id]);
    if (before?.transactionId && before.transactionId !== transactionId) {
      writes.push(['SREM', this.key('transaction', before.transactionId), id]);
    }
    if (transactionId) writes.push(['SADD', this.key('transaction', transactionId), id]);
    return writes;
  }

  /** Appends audit entries to their lists (and files each list for retention). */
  private auditWrites(entries: core.AuditEntry[] = []): string[][] {
    return entries.flatMap((entry) => {
      const list = this.key(entry.paymentId === null ? 'unattachedAudit' : 'audit', entry.paymentId ?? '');
      return [
        ['RPUSH', list, audit.encode(entry)],
        ['SADD', this.key('auditLists'), list],
      ];
    });
  }

  /** The events of a step for the writing script (see lua.EventWrite), or nothing when there are none. */
  private eventWrite(payment: PaymentRecord, events: core.NewEvent[] = []): lua.EventWrite | undefined {
    if (events.length === 0) return undefined;
    return {
      payment: this.key('payment', payment.id),
      paymentId: payment.id,
      counter: this.key('eventPosition'),
      docs: this.key('eventDocs'),
      list: this.key('events', payment.id),
      log: this.key('eventLog'),
      byTime: this.key('pendingByTime'),
      items: events.map((event) => ({
        id: event.id,
        doc: codec.encodeEvent(event, payment),
        at: ms(event.occurredAt),
        consumersKey: this.key('eventConsumers', event.id),
        deliveries: [...new Set(event.deliverTo ?? [])].map((consumer) => {
          const row = { consumer, eventId: event.id, paymentId: payment.id };
          return {
            key: this.deliveryKey(row),
            consumer,
            member: deadMember(row),
            pending: this.key('pending', consumerId(consumer)),
            pendingSeq: this.key('pendingSeq', `${consumerId(consumer)}${payment.id}`),
          };
        }),
      })),
    };
  }

  private deliveryKey(row: { consumer: string; eventId: string }): string {
    return this.key('delivery', `${consumerId(row.consumer)}${row.eventId}`);
  }

  /** A pending delivery joins the sets a claim and the stats read. */
  private pendingWrites(row: core.EventDeliveryRow, occurredAt: string): string[][] {
    const consumer = consumerId(row.consumer);
    return [
      ['ZADD', this.key('pending', consumer), String(row.position), row.eventId],
      ['ZADD', this.key('pendingSeq', `${consumer}${row.paymentId}`), String(row.seq), row.eventId],
      ['ZADD', this.key('pendingByTime'), occurredAt, deadMember(row)],
    ];
  }

  /** ...and leaves them when it is delivered or dead. */
  private leavePending(row: core.EventDeliveryRow): string[][] {
    const consumer = consumerId(row.consumer);
    return [
      ['HDEL', this.deliveryKey(row), 'lease_owner', 'lease_until'],
      ['ZREM', this.key('pending', consumer), row.eventId],
      ['ZREM', this.key('pendingSeq', `${consumer}${row.paymentId}`), row.eventId],
      ['ZREM', this.key('pendingByTime'), deadMember(row)],
    ];
  }

  /**
   * Complete or fail: the writes apply only while the delivery is pending under this lease token (checked
   * in the same script), so a settle with an outdated token, or a second one, writes nothing.
   */
  private async settle(input: core.SettleDeliveryInput, writes: (row: core.EventDeliveryRow) => string[][]) {
    const row = await this.readDelivery(input.consumer, input.eventId);
    if (row === null) return false;
    const key = this.deliveryKey(row);
    const [outcome] = await this.guarded({
      guards: [
        { call: ['HGET', key, 'state'], is: 'pending', fail: 'settled' },
        { call: ['HGET', key, 'lease_token'], is: String(input.leaseToken), fail: 'stale_lease' },
      ],
      writes: [['HDEL', key, 'lease_owner', 'lease_until'], ...writes(row)],
    });
    return outcome === 'ok';
  }

  private async readDelivery(consumer: string, eventId: string): Promise<core.EventDeliveryRow | null> {
    const fields = await this.redis.hgetall(this.deliveryKey({ consumer, eventId }));
    return fields.state === undefined ? null : codec.decodeDelivery(fields);
  }

  private async readEvents(ids: string[]): Promise<core.StoredEvent[]> {
    const docs = ids.length === 0 ? [] : await this.redis.hmget(this.key('eventDocs'), ...ids);
    return docs.filter((doc) => doc !== null).map(codec.decodeEvent);
  }

  private async withEvents(rows: core.EventDeliveryRow[]): Promise<core.EventDelivery[]> {
    const events = await this.readEvents(rows.map((row) => row.eventId));
    const byId = new Map(events.map((event) => [event.id, event]));
    return rows.map((row) => core.toEventDelivery(row, byId.get(row.eventId)!));
  }

  /**
   * Walks the event log oldest first: an event before the cutoff whose deliveries are all delivered goes,
   * with them. Delivered is final, so what was checked here still holds when the deletes run.
   */
  private async pruneEvents(before: Date, limit: number): Promise<number> {
    let pruned = 0;
    for (let start = 0; pruned < limit; start += 100) {
      const ids = await this.redis.zrange(this.key('eventLog'), String(start), String(start + 99));
      if (ids.length === 0) break;
      for (const event of await this.readEvents(ids)) {
        if (pruned >= limit || event.occurredAt.getTime() >= before.getTime()) continue;
        const consumers = await this.redis.smembers(this.key('eventConsumers', event.id));
        const rows = await Promise.all(consumers.map((consumer) => this.readDelivery(consumer, event.id)));
        if (rows.some((row) => row !== null && row.state !== 'delivered')) continue;
        await this.guarded({
          guards: [],
          writes: [
            ...rows.filter((row) => row !== null).map((row) => ['DEL', this.deliveryKey(row)]),
            ['DEL', this.key('eventConsumers', event.id)],
            ['HDEL', this.key('eventDocs'), event.id],
            ['ZREM', this.key('eventLog'), event.id],
            ['ZREM', this.key('events', event.paymentId), event.id],
          ],
        });
        pruned += 1;
        start -= 1; // the log moved up by one
      }
    }
    return pruned;
  }

  private async pruneReceipts(before: Date, limit: number): Promise<number> {
    const keys = await this.redis.lrange(this.key('receiptOrder'), 0, -1);
    const docs = keys.length === 0 ? [] : await this.redis.hmget(this.key('receipts'), ...keys);
    let pruned = 0;
    for (const [index, doc] of docs.entries()) {
      if (pruned >= limit || doc === null) break;
      const receipt = receipts.decode(doc);
      if (receipt.receivedAt.getTime() >= before.getTime()) continue;
      const reference = receipt.orderReference;
      await this.guarded({
        guards: [],
        writes: [
          ['HDEL', this.key('receipts'), keys[index]!],
          ['LREM', this.key('receiptOrder'), '1', keys[index]!],
          ...(reference ? [['LREM', this.key('receiptsOf', reference), '1', keys[index]!]] : []),
        ],
      });
      pruned += 1;
    }
    return pruned;
  }

  private async pruneAudit(before: Date, limit: number): Promise<number> {
    let pruned = 0;
    for (const list of await this.redis.smembers(this.key('auditLists'))) {
      for (const doc of await this.redis.lrange(list, 0, -1)) {
        if (pruned >= limit) return pruned;
        if (audit.decode(doc).at.getTime() >= before.getTime()) continue;
        await this.guarded({ guards: [], writes: [['LREM', list, '1', doc]] });
        pruned += 1;
      }
    }
    return pruned;
  }

  /** Replaces the record (an expired one too) and files it under its expiry. */
  private idempotencyWrites(record: core.IdempotencyRecord): string[][] {
    const key = this.key('idempotency', idempotencyId(record.ownerId, record.key));
    const expiry = ['ZADD', this.key('idempotencyExpiry'), ms(record.expiresAt), key];
    return [['DEL', key], ['HSET', key, ...codec.idempotencyFields(record)], expiry];
  }

  /**
   * Free unless a record holds the key that has not expired at the new record's `createdAt`: the caller's
   * clock decides, not Redis TTLs (tests run it in the past and the future).
   */
  private idempotencyFree(record: core.IdempotencyRecord): lua.Guard {
    const key = this.key('idempotency', idempotencyId(record.ownerId, record.key));
    const call = ['ZSCORE', this.key('idempotencyExpiry'), key];
    return { call, above: ms(record.createdAt), fail: 'idempotency_conflict', detail: ['HGETALL', key] };
  }

  private referenceFree(reference: string): lua.Guard {
    return { call: ['EXISTS', this.key('orderReference', reference)], is: '0', fail: 'reference_taken' };
  }

  /** Runs a guarded write; a taken id or order reference is the caller's STORE_CONFLICT. */
  private async guarded(plan: lua.GuardedWrite): Promise<[string, unknown, unknown?]> {
    const reply = (await this.script(lua.guardedWriteScript, JSON.stringify(plan))) as [
      string,
      unknown,
      unknown?,
    ];
    const conflict = CONFLICTS[reply[0]];
    if (conflict) throw new ClickPesaKitError('STORE_CONFLICT', { message: conflict });
    return reply;
  }

  private script(script: lua.LuaScript, ...args: string[]): Promise<unknown> {
    return lua.runScript(this.redis, script, ...args);
  }
}

const CONFLICTS: Record<string, string> = {
  id_taken: 'A payment with this id already exists',
  reference_taken: 'This order reference is already used',
};

/** A delivery's name in the dead and pending-by-time sets: sorts by consumer, then event id. */
function deadMember(row: { consumer: string; eventId: string }): string {
  return `${row.consumer}\u0000${row.eventId}`;
}

function unavailable(message: string, cause?: unknown): ClickPesaKitError {
  return new ClickPesaKitError('STORE_UNAVAILABLE', { message, cause });
}
