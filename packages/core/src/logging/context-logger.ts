import { type Logger, silentLogger } from '../logger.js';
import { currentRequestContext, type RequestContext } from './request-context.js';
import { SafeLogFields } from './safe-log-fields.js';

/** A pino-style logger that can make child loggers (pino, bunyan, and most structured loggers). */
interface ChildCapable extends Logger {
  child(bindings: Record<string, unknown>): Logger;
}

/** pino's level check: a line its level drops is not worth making safe. */
interface LevelAware {
  isLevelEnabled?(level: string): boolean;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/**
 * The logger the kit hands to every part: each line is made safe (no secret, phones masked), and a line
 * written while a request is answered goes to a child logger of the host's, bound to that request's
 * `requestId` (one child per request, made on its first line). A host logger without `child` gets the
 * request fields merged into each line instead.
 */
export function createContextLogger(base: Logger, secrets: readonly (string | undefined)[]): Logger {
  // nothing is written: nothing to make safe (the default, and the hot path of every request)
  if (base === silentLogger) return base;
  const safe = new SafeLogFields(secrets);
  const enabled = (level: string) => (base as LevelAware).isLevelEnabled?.(level) !== false;
  const children = new WeakMap<RequestContext, Logger>();
  const canChild = typeof (base as Partial<ChildCapable>).child === 'function';

  const target = (): { logger: Logger; merge?: RequestContext } => {
    const context = currentRequestContext();
    if (context === undefined) return { logger: base };
    if (!canChild) return { logger: base, merge: context };
    let child = children.get(context);
    if (child === undefined) {
      child = (base as ChildCapable).child(safe.fields({ ...context }));
      children.set(context, child);
    }
    return { logger: child };
  };

  const logger = {} as Logger;
  for (const level of LEVELS) {
    logger[level] = (fields, message) => {
      if (!enabled(level)) return;
      const { logger: to, merge } = target();
      const safeFields = safe.fields(merge ? { ...merge, ...fields } : fields);
      const safeMessage = safe.message(message);
      if (safeMessage === undefined) to[level](safeFields);
      else to[level](safeFields, safeMessage);
    };
  }
  return logger;
}
