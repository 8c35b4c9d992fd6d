import type { ProviderPayment } from './payment.js';

/** What a ClickPesa status string means for us (docs/decisions.md, decision a). */
export type ProviderStatusClass = 'processing' | 'success' | 'failed' | 'reversed' | 'needs_attention';

export interface MappedProviderStatus {
  class: ProviderStatusClass;
  /** True for SETTLED (a success whose funds reached the merchant account). */
  settled: boolean;
  /** The status trimmed and upper-cased ("" for a missing one). */
  normalised: string;
  /** False for ON-HOLD and for strings we do not know (those are flagged, never guessed). */
  known: boolean;
}

const KNOWN: Readonly<Record<string, { class: ProviderStatusClass; settled: boolean }>> = Object.freeze({
  PROCESSING: { class: 'processing', settled: false },
  PENDING: { class: 'processing', settled: false },
  SUCCESS: { class: 'success', settled: false },
  SETTLED: { class: 'success', settled: true },
  FAILED: { class: 'failed', settled: false },
  REFUNDED: { class: 'reversed', settled: false },
  REVERSED: { class: 'reversed', settled: false },
});

/**
 * Maps a ClickPesa status, case-insensitively and trimmed. ON-HOLD and anything unknown (a new `EXPIRED`, a
 * misspelling, a missing status) are `needs_attention`: never mapped to failed (SM-6).
 */
export function mapProviderStatus(status: unknown): MappedProviderStatus {
  const normalised = typeof status === 'string' ? status.trim().toUpperCase() : '';
  const known = Object.hasOwn(KNOWN, normalised) ? KNOWN[normalised] : undefined;
  if (!known) return { class: 'needs_attention', settled: false, normalised, known: false };
  return { ...known, normalised, known: true };
}

/**
 * Which entry of a query array speaks for the order reference (SM-11): any SUCCESS/SETTLED wins (money
 * moved), else REFUNDED/REVERSED, else ON-HOLD/unknown (so a human looks), else PROCESSING/PENDING (a live
 * attempt beats a failed one), else FAILED. Within a class the latest `updatedAt` wins (ties and missing
 * dates: the later array position). Null for an empty array ("not yet visible", not FAILED).
 */
export function pickAuthoritative(records: readonly ProviderPayment[]): ProviderPayment | null {
  let best: ProviderPayment | null = null;
  let bestPriority = -1;
  let bestTime = Number.NEGATIVE_INFINITY;
  for (const record of records) {
    const priority = PICK_PRIORITY[mapProviderStatus(record.status).class];
    const time = timeOf(record.updatedAt);
    if (priority > bestPriority || (priority === bestPriority && time >= bestTime)) {
      best = record;
      bestPriority = priority;
      bestTime = time;
    }
  }
  return best;
}

const PICK_PRIORITY: Readonly<Record<ProviderStatusClass, number>> = Object.freeze({
  failed: 0,
  processing: 1,
  needs_attention: 2,
  reversed: 3,
  success: 4,
});

function timeOf(value: string | undefined): number {
  if (!value) return Number.NEGATIVE_INFINITY;
  const time = Date.parse(value);
  return Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time;
}
