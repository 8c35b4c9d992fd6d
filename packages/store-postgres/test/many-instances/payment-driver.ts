import type { Targets } from './webhook-relay.js';

/** How one POST /payments ended, after retries. */
export interface DrivenPayment {
  index: number;
  msisdn: string;
  idempotencyKey: string;
  /** The last HTTP status (0: no answer at all). */
  status: number;
  paymentId: string | null;
  orderReference: string | null;
  /** True when the answer was an Idempotency-Key replay (an earlier try had reached an instance). */
  replayed: boolean;
  tries: number;
}

export interface DriveOptions {
  count: number;
  /** POSTs in flight at once, over all instances. */
  concurrency: number;
  msisdnOf(index: number): string;
  /** Idempotency-Key prefix, unique per run. */
  keyPrefix: string;
  /** Live instances, asked afresh for every try (round-robin over them). */
  targets: Targets;
  /** Called after each payment got its final answer, with how many have. */
  onAnswered?(answered: number): void;
  /** Called as each try's request goes out to `target` (before its answer). */
  onTry?(target: string): void;
  maxTries?: number;
  retryDelayMs?: number;
}

/**
 * Drives `count` payments through the instances like a well-behaved client: every POST carries an
 * Idempotency-Key, and a try that got no answer (instance killed mid-request), a 409 IDEMPOTENCY_KEY_IN_USE
 * (the earlier try is still "in flight" for its lock time) or a 5xx/429 is repeated with the same key on
 * the next instance. So a killed instance never costs a payment, and never may cost a second push.
 */
export async function drivePayments(options: DriveOptions): Promise<DrivenPayment[]> {
  const results: DrivenPayment[] = [];
  let next = 0;
  let turn = 0;
  let answered = 0;
  const worker = async () => {
    for (let index = next++; index < options.count; index = next++) {
      results[index] = await drive(index);
      options.onAnswered?.(++answered);
    }
  };

  const drive = async (index: number): Promise<DrivenPayment> => {
    const msisdn = options.msisdnOf(index);
    const idempotencyKey = `${options.keyPrefix}-${index}`;
    const maxTries = options.maxTries ?? 120;
    let status = 0;
    for (let tries = 1; ; tries++) {
      const live = options.targets();
      const target = live[turn++ % Math.max(1, live.length)];
      let body: PostAnswer | null = null;
      let replayed = false;
      try {
        if (target === undefined) throw new Error('no live instance');
        const answer = fetch(`${target}/payments`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
          body: JSON.stringify({ amount: '1000', msisdn }),
          signal: AbortSignal.timeout(30_000),
        });
        options.onTry?.(target);
        const response = await answer;
        status = response.status;
        replayed = response.headers.get('idempotent-replayed') === 'true';
        body = (await response.json()) as PostAnswer;
      } catch {
        status = 0;
      }
      if (!retryable(status, body) || tries >= maxTries) {
        return {
          index,
          msisdn,
          idempotencyKey,
          status,
          paymentId: body?.data?.id ?? null,
          orderReference: body?.data?.reference ?? null,
          replayed,
          tries,
        };
      }
      await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs ?? 250));
    }
  };

  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return results;
}

interface PostAnswer {
  data?: { id?: string; reference?: string };
  error?: { code?: string };
}

function retryable(status: number, body: PostAnswer | null): boolean {
  if (status === 0 || status === 429 || status >= 500) return true;
  return status === 409 && body?.error?.code === 'IDEMPOTENCY_KEY_IN_USE';
}
