import { afterEach, describe, expect, it } from 'vitest';
import { type PollerHarness, startPollerHarness } from './support/poller-harness.js';

let h: PollerHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe('poller: requestConfirmation', () => {
  it('moves nextPollAt forward through the one write path: compare-and-set with its audit row', async () => {
    h = await startPollerHarness();
    const { poller, service } = h.addInstance({ webhookConfirmWindowMs: 300 });
    const payment = await h.initiate(service, 1);
    const scheduled = (await h.store.getPayment(payment.id))!;
    expect(scheduled.nextPollAt!.getTime()).toBeGreaterThan(h.clock.now().getTime() + 300);

    const eventsBefore = h.eventsOf(payment.id).length;
    const askedAt = h.clock.now().getTime();
    await poller.requestConfirmation(payment.id);

    const moved = (await h.store.getPayment(payment.id))!;
    expect(moved.nextPollAt!.getTime()).toBe(askedAt + 300);
    expect(moved.version).toBe(scheduled.version + 1);
    expect(moved.status).toBe('processing');
    // applyEvidence writes a decision audit row with every change; a direct store write would not
    const audit = await h.store.listAudit(payment.id);
    expect(audit.at(-1)).toMatchObject({
      kind: 'transition_ignored',
      data: { source: 'webhook', evidence: { kind: 'check_requested' }, reason: 'schedule_only' },
    });
    // a schedule change is not a status change: no event
    expect(h.eventsOf(payment.id)).toHaveLength(eventsBefore);

    // already due sooner: nothing is written
    await poller.requestConfirmation(payment.id);
    expect((await h.store.getPayment(payment.id))!.version).toBe(moved.version);
    // an unknown payment is ignored
    await expect(poller.requestConfirmation('no-such-payment')).resolves.toBeUndefined();
  });
});
