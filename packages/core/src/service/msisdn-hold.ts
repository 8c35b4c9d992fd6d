import type { ServiceContext } from './context.js';

/**
 * SM-14: from when a cancelled payment's attempt must have started to still hold its phone number. Cancel is
 * local and ClickPesa's prompt stays live on the phone, so a cancelled attempt keeps the number busy until
 * ClickPesa reports it final or its active window (the prompt's lifetime) has passed.
 */
export function msisdnHeldSince(ctx: Pick<ServiceContext, 'options'>, now: Date): Date {
  return new Date(now.getTime() - ctx.options.schedule.activeWindowMs);
}
