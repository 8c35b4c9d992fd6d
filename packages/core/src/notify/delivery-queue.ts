import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';

/** One notification to one URL; `sends` counts the attempts made so far. */
export interface DeliveryJob {
  /** The stored event id: the webhook-id on every attempt. */
  readonly id: string;
  readonly paymentId: string;
  readonly url: string;
  readonly body: string;
  sends: number;
}

/** What one attempt decided: finished (delivered, refused or given up), or try again after `retryInMs`. */
export type AttemptResult = { done: true } | { done: false; retryInMs: number };

export interface DeliveryQueueOptions {
  clock: Clock;
  logger: Logger;
  /** Jobs held at most (waiting, backing off or sending); past it the oldest waiting one is dropped. */
  maxQueued: number;
  /** Sends in flight at most. */
  concurrency: number;
  attempt(job: DeliveryJob, signal: AbortSignal): Promise<AttemptResult>;
}

export interface DeliveryQueue {
  push(job: DeliveryJob): void;
  /** Drops every job not in flight that matches (e.g. all jobs for a URL that answered 410). */
  dropWhere(matches: (job: DeliveryJob) => boolean, reason: string): number;
  /** Jobs held right now. */
  size(): number;
  /** Cancels retry timers, forgets waiting jobs and aborts sends in flight; resolves once they have settled. */
  close(): Promise<void>;
}

type JobState = 'waiting' | 'ready' | 'sending' | 'backoff';
interface Entry {
  job: DeliveryJob;
  state: JobState;
  timer: { cancel(): void } | null;
}

/**
 * An in-process queue with per-payment order: a payment's notifications go out one after another (the
 * receiver sees processing before success even when the first needed retries), different payments in
 * parallel up to `concurrency`.
 */
export function createDeliveryQueue(options: DeliveryQueueOptions): DeliveryQueue {
  const { clock, logger, maxQueued, concurrency } = options;
  /** Insertion order = age, for dropping the oldest. */
  const entries = new Set<Entry>();
  const lanes = new Map<string, Entry[]>();
  const ready: Entry[] = [];
  const inFlight = new Set<Promise<void>>();
  const controller = new AbortController();
  let closed = false;

  const makeReady = (entry: Entry) => {
    entry.state = 'ready';
    ready.push(entry);
  };

  const pump = () => {
    while (!closed && inFlight.size < concurrency) {
      const entry = ready.shift();
      if (!entry) return;
      const run = send(entry);
      inFlight.add(run);
      void run.finally(() => {
        inFlight.delete(run);
        pump();
      });
    }
  };

  const send = async (entry: Entry) => {
    entry.state = 'sending';
    let result: AttemptResult;
    try {
      result = await options.attempt(entry.job, controller.signal);
    } catch (error) {
      // attempt() handles its own failures; this is a bug guard so one job cannot wedge its lane
      logger.error(
        { paymentId: entry.job.paymentId, webhookId: entry.job.id, error },
        'callback notification attempt threw',
      );
      result = { done: true };
    }
    if (closed) return;
    if (result.done) return finish(entry);
    entry.state = 'backoff';
    entry.timer = clock.setTimeout(() => {
      entry.timer = null;
      if (closed || !entries.has(entry)) return;
      makeReady(entry);
      pump();
    }, result.retryInMs);
  };

  /** Removes a job and lets the next one of its payment go. */
  const finish = (entry: Entry) => {
    entries.delete(entry);
    entry.timer?.cancel();
    entry.timer = null;
    const readyIndex = ready.indexOf(entry);
    if (readyIndex >= 0) ready.splice(readyIndex, 1);
    const lane = lanes.get(entry.job.paymentId);
    if (!lane) return;
    const index = lane.indexOf(entry);
    if (index >= 0) lane.splice(index, 1);
    const head = lane[0];
    if (!head) lanes.delete(entry.job.paymentId);
    else if (index === 0 && head.state === 'waiting') makeReady(head);
  };

  const drop = (entry: Entry, reason: string) => {
    logger.warn(
      { paymentId: entry.job.paymentId, webhookId: entry.job.id, sends: entry.job.sends, reason },
      'callback notification dropped',
    );
    finish(entry);
  };

  return {
    push(job) {
      if (closed) return;
      const entry: Entry = { job, state: 'waiting', timer: null };
      entries.add(entry);
      const lane = lanes.get(job.paymentId);
      if (lane) lane.push(entry);
      else {
        lanes.set(job.paymentId, [entry]);
        makeReady(entry);
      }
      while (entries.size > maxQueued) {
        const oldest = oldestNotSending(entries);
        if (!oldest) break;
        drop(oldest, `queue full (${maxQueued} notifications held)`);
      }
      pump();
    },
    dropWhere(matches, reason) {
      let dropped = 0;
      for (const entry of [...entries]) {
        if (entry.state === 'sending' || !matches(entry.job)) continue;
        drop(entry, reason);
        dropped++;
      }
      pump();
      return dropped;
    },
    size: () => entries.size,
    async close() {
      if (closed) return;
      closed = true;
      for (const entry of entries) entry.timer?.cancel();
      entries.clear();
      lanes.clear();
      ready.length = 0;
      controller.abort(new Error('callback notifier closed'));
      await Promise.allSettled([...inFlight]);
    },
  };
}

function oldestNotSending(entries: Set<Entry>): Entry | undefined {
  for (const entry of entries) if (entry.state !== 'sending') return entry;
  return undefined;
}
