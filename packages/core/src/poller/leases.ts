import type { PaymentRecord } from '../domain/payment.js';
import type { ClaimedPayment, PaymentStore } from '../store/contract.js';
import { LEASE_SAFETY_FRACTION, type ResolvedPollerOptions } from './options.js';

/** A claimed payment the poller holds until it has worked on it, or until its lease runs too short. */
export interface Held {
  claim: ClaimedPayment;
  /** When the payment fell due (its nextPollAt), for the batching window. */
  dueAt: number;
  /** A call or write for it is under way; not available to another sweep. */
  busy: boolean;
}

/** The poller's lease bookkeeping: which claimed payments it holds, and which of them may still be worked on. */
export interface LeaseBook {
  readonly size: number;
  /**
   * Claims due payments, `batchSize` per store call, up to `maxHeld` (while `keepGoing()`); `onClaimed` sees
   * each new lease. Forgets held payments whose lease ran too short first.
   */
  claim(at: number, keepGoing: () => boolean, onClaimed: (lease: ClaimedPayment) => void): Promise<number>;
  /** Held payments available to a sweep at `at`: not busy, enough lease left. */
  available(at: number): Held[];
  usable(item: Held, at: number): boolean;
  /** The payment is no longer ours (worked on, or its lease ran short). */
  forget(item: Held): void;
  /** A fresher copy of a held payment (the stuck check wrote it). */
  refresh(paymentId: string, payment: PaymentRecord): void;
  /** Frees every held lease in the store (shutdown); failures go to `report`. */
  releaseAll(report: (error: unknown, paymentId: string) => void): Promise<void>;
}

export function createLeaseBook(store: PaymentStore, opts: ResolvedPollerOptions): LeaseBook {
  const held = new Map<string, Held>();

  const usable = (item: Held, at: number) =>
    item.claim.leaseUntil.getTime() - at > opts.leaseMs * LEASE_SAFETY_FRACTION;

  return {
    get size() {
      return held.size;
    },
    usable,

    /**
     * With list sweeps, claims cover every page a sweep may read (claims come oldest-due first while pages
     * come newest first, so holding only a few would leave them deep in the list); without, a couple of batches.
     */
    async claim(at, keepGoing, onClaimed) {
      for (const [id, item] of held) if (!item.busy && !usable(item, at)) held.delete(id);
      let claimed = 0;
      while (keepGoing()) {
        const room = Math.min(opts.batchSize, opts.maxHeld - held.size);
        if (room <= 0) break;
        const claims = await store.claimDue({
          now: new Date(at),
          limit: room,
          leaseMs: opts.leaseMs,
          owner: opts.instanceId,
        });
        for (const lease of claims) {
          const dueAt = lease.payment.nextPollAt?.getTime() ?? at;
          held.set(lease.payment.id, { claim: lease, dueAt, busy: false });
          onClaimed(lease);
        }
        claimed += claims.length;
        if (claims.length < room) break;
      }
      return claimed;
    },

    available: (at) => [...held.values()].filter((item) => !item.busy && usable(item, at)),

    forget(item) {
      const id = item.claim.payment.id;
      if (held.get(id) === item) held.delete(id);
    },

    refresh(paymentId, payment) {
      const item = held.get(paymentId);
      if (item) item.claim = { ...item.claim, payment };
    },

    async releaseAll(report) {
      const releases = [...held.values()].map(async (item) => {
        try {
          await store.releaseLease(item.claim.payment.id, item.claim.leaseToken);
        } catch (error) {
          report(error, item.claim.payment.id);
        }
      });
      held.clear();
      await Promise.all(releases);
    },
  };
}
