import type { EventDelivery } from '@clickpesa-kit/core/store';
import type { Command } from '../context.js';
import { formatAge } from '../durations.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { iso, toJson } from '../render.js';
import { clip, renderTable } from '../table.js';
import { parseLimit } from './payments.js';

/** The outbox consumers the toolkit writes deliveries for. */
const CONSUMERS = ['handlers', 'callback'] as const;

/** `events dead-letters [--consumer c] [--limit n]`: deliveries that gave up. Any found → exit 1. */
export const listDeadLetters: Command = async (ctx) => {
  if (ctx.args.length > 0) throw new UsageError('events dead-letters takes no arguments');
  const limit = parseLimit(ctx.options.limit, 100, 1000);
  const dead = await ctx.store.listDeadDeliveries({
    limit,
    ...(ctx.options.consumer ? { consumer: ctx.options.consumer } : {}),
  });
  if (ctx.options.json) ctx.print(toJson(dead.map(deliveryJson)));
  else if (dead.length === 0) ctx.print('No dead letters.');
  else {
    ctx.print(
      renderTable(
        ['EVENT', 'CONSUMER', 'TYPE', 'PAYMENT', 'ATTEMPTS', 'AGE', 'LAST ERROR'],
        dead.map((delivery) => [
          delivery.event.id,
          delivery.consumer,
          delivery.event.type,
          delivery.event.paymentId,
          String(delivery.attempts),
          formatAge(ctx.now.getTime() - delivery.event.occurredAt.getTime()),
          clip(delivery.lastError ?? '-', 60),
        ]),
      ),
    );
    ctx.print(`\n${dead.length} dead letter(s). Replay one with: clickpesa-kit events replay <event id>`);
  }
  return dead.length > 0 ? EXIT.found : EXIT.ok;
};

/**
 * `events replay <event id> [--consumer c]`: makes the dead delivery pending again (attempts reset, due now);
 * the app's dispatcher delivers it on its next claim. Nothing dead to replay → exit 1.
 */
export const replayDeadLetter: Command = async (ctx) => {
  const eventId = ctx.args[0];
  if (!eventId || ctx.args.length > 1) throw new UsageError('events replay takes one event id');
  const consumers = ctx.options.consumer ? [ctx.options.consumer] : CONSUMERS;
  const replayed: string[] = [];
  for (const consumer of consumers) {
    if (await ctx.store.replayDeadDelivery({ consumer, eventId, now: ctx.now })) replayed.push(consumer);
  }
  if (ctx.options.json) ctx.print(toJson({ eventId, replayed }));
  else if (replayed.length === 0)
    ctx.print(
      `Event ${eventId} has no dead delivery${ctx.options.consumer ? ` for ${ctx.options.consumer}` : ''}.`,
    );
  else
    ctx.print(
      `Replaying event ${eventId} for ${replayed.join(', ')}: due now, the app's dispatcher delivers it.`,
    );
  return replayed.length > 0 ? EXIT.ok : EXIT.found;
};

function deliveryJson(delivery: EventDelivery): Record<string, unknown> {
  return {
    eventId: delivery.event.id,
    consumer: delivery.consumer,
    type: delivery.event.type,
    paymentId: delivery.event.paymentId,
    position: delivery.event.position,
    occurredAt: iso(delivery.event.occurredAt),
    attempts: delivery.attempts,
    lastError: delivery.lastError,
  };
}
