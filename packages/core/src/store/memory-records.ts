import type { AuditEntry, ClaimIdempotencyResult, IdempotencyRecord, WebhookReceipt } from './contract.js';
import { clone } from './memory-copy.js';
import { isIdempotencyLive, isIdempotencyPrunable } from './store-rules.js';

/**
 * The memory store's side records: idempotency keys, webhook receipts and the audit log. Like the outbox,
 * every method is synchronous, so each is atomic on Node's one thread.
 */
export class MemoryRecords {
  private readonly idempotency = new Map<string, IdempotencyRecord>();
  private readonly receipts = new Map<string, WebhookReceipt>();
  private readonly auditByPayment = new Map<string, AuditEntry[]>();
  private readonly unattachedAudit: AuditEntry[] = [];

  liveIdempotency(ownerId: string, key: string, now: Date): IdempotencyRecord | undefined {
    const record = this.idempotency.get(idempotencyKey(ownerId, key));
    return record && isIdempotencyLive(record, now) ? record : undefined;
  }

  putIdempotency(record: IdempotencyRecord): void {
    this.idempotency.set(idempotencyKey(record.ownerId, record.key), clone(record));
  }

  claimIdempotency(record: IdempotencyRecord): ClaimIdempotencyResult {
    const existing = this.liveIdempotency(record.ownerId, record.key, record.createdAt);
    if (existing) return { kind: 'exists', existing: clone(existing) };
    this.putIdempotency(record);
    return { kind: 'claimed' };
  }

  completeIdempotency(ownerId: string, key: string): void {
    const record = this.idempotency.get(idempotencyKey(ownerId, key));
    if (record) record.state = 'completed';
  }

  pruneIdempotency(now: Date): number {
    let pruned = 0;
    for (const [mapKey, record] of this.idempotency) {
      if (isIdempotencyPrunable(record, now)) {
        this.idempotency.delete(mapKey);
        pruned += 1;
      }
    }
    return pruned;
  }

  recordReceipt(receipt: WebhookReceipt): { inserted: boolean } {
    if (this.receipts.has(receipt.dedupeKey)) return { inserted: false };
    this.receipts.set(receipt.dedupeKey, clone(receipt));
    return { inserted: true };
  }

  listReceipts(filter?: { orderReference?: string }): WebhookReceipt[] {
    const all = [...this.receipts.values()];
    const wanted = filter?.orderReference;
    return clone(wanted === undefined ? all : all.filter((receipt) => receipt.orderReference === wanted));
  }

  /** Deletes up to `limit` receipts received before `before`; returns how many. */
  pruneReceipts(before: Date, limit: number): number {
    let pruned = 0;
    for (const [key, receipt] of this.receipts) {
      if (pruned >= limit) break;
      if (receipt.receivedAt.getTime() >= before.getTime()) continue;
      this.receipts.delete(key);
      pruned += 1;
    }
    return pruned;
  }

  appendAudit(entries: AuditEntry[] | undefined): void {
    for (const entry of entries ?? []) {
      const copy = clone(entry);
      if (copy.paymentId === null) {
        this.unattachedAudit.push(copy);
        continue;
      }
      const list = this.auditByPayment.get(copy.paymentId) ?? [];
      list.push(copy);
      this.auditByPayment.set(copy.paymentId, list);
    }
  }

  listAudit(paymentId: string): AuditEntry[] {
    return clone(this.auditByPayment.get(paymentId) ?? []);
  }

  /** Deletes up to `limit` audit entries written before `before`; returns how many. */
  pruneAudit(before: Date, limit: number): number {
    let pruned = 0;
    for (const list of [this.unattachedAudit, ...this.auditByPayment.values()]) {
      for (let index = list.length - 1; index >= 0; index--) {
        if (pruned >= limit) return pruned;
        if (list[index]!.at.getTime() < before.getTime()) {
          list.splice(index, 1);
          pruned += 1;
        }
      }
    }
    return pruned;
  }
}

function idempotencyKey(ownerId: string, key: string): string {
  return `${ownerId}\u0000${key}`;
}
