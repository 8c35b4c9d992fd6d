import type { Clock } from '@clickpesa-kit/core';

export type BrowserMode = 'none' | 'polling' | 'push';

/** One benchmark run's load, identical for our toolkit and the baseline. */
export interface Scenario {
  /** Payments offered per simulated minute (open loop, evenly spaced). */
  ratePerMinute: number;
  /** How long payments are offered, in simulated minutes. */
  offerMinutes: number;
  /** Completions are counted per minute after this warm-up (the pipeline fills first). */
  warmupMinutes: number;
  /** Time after the last offer for everything to settle, in simulated minutes. */
  drainMinutes: number;
  /** The provider budget and the sandbox's rate limit: calls per simulated minute. */
  budgetPerMinute: number;
  /** Customers approve the USSD prompt after a uniformly random delay in this range (simulated ms). */
  approveDelayMs: [number, number];
  /** Fraction of webhooks lost on the way to us. */
  webhookLoss: number;
  /**
   * What each checkout page does while it waits (ours only): nothing (`none`), poll the status route the way
   * `waitForPayment` does (`polling`), or listen on the push route (`push`).
   */
  browsers: BrowserMode;
  /**
   * ClickPesa signs its webhooks (a checksum key on both sides) and the kit applies verified ones without a
   * confirming query (`trustSignedWebhooks`). Off: every webhook is confirmed by a call.
   */
  signedWebhooks: boolean;
  /** Rows per `GET /payments/all` page: the poller asks for this many and the sandbox returns at most this many. */
  pageSize: number;
  /** Simulated ms per real ms. */
  scale: number;
  seed: number;
}

/** What one payment went through, in simulated ms. */
export interface PaymentTrace {
  orderReference: string;
  offeredAt: number;
  approvedAt: number | null;
  succeededAt: number | null;
  /** When the checkout page saw the success (without pages: when the server knew). */
  knownAt: number | null;
}

/** The simulated customer: approves the prompt on their phone after a random delay. */
export function customerApproves(
  clock: Clock,
  scenario: Scenario,
  random: () => number,
  trace: PaymentTrace,
  approve: (orderReference: string) => void,
): void {
  const [min, max] = scenario.approveDelayMs;
  clock.setTimeout(
    () => {
      try {
        approve(trace.orderReference);
        trace.approvedAt = clock.now().getTime();
      } catch {
        // the push was never created (initiate failed): nothing to approve
      }
    },
    min + random() * (max - min),
  );
}

/** Offers `count` payments evenly over the offer window; `offer(i)` starts one. */
export async function offerLoad(
  clock: Clock,
  scenario: Scenario,
  offer: (index: number) => void,
): Promise<void> {
  const spacingMs = 60_000 / scenario.ratePerMinute;
  const count = Math.floor(scenario.ratePerMinute * scenario.offerMinutes);
  const start = clock.now().getTime();
  for (let i = 0; i < count; i++) {
    const due = start + i * spacingMs;
    const wait = due - clock.now().getTime();
    if (wait > 0) await clock.sleep(wait);
    offer(i);
  }
}

/** A unique phone number; the last digit 7 makes the sandbox wait for our simulated customer. */
export function phoneFor(index: number): string {
  return `25571${String(index).padStart(6, '0')}7`;
}
