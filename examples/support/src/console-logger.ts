import type { Logger } from '@clickpesa-kit/core';

/** The kit's warnings and errors on stderr, one line each (the kit never logs a secret). */
export const consoleLogger: Logger = {
  debug() {},
  info() {},
  warn(fields, message) {
    console.warn(`[clickpesa-kit] warn: ${message ?? ''} ${JSON.stringify(fields)}`);
  },
  error(fields, message) {
    console.error(`[clickpesa-kit] error: ${message ?? ''} ${JSON.stringify(fields)}`);
  },
};
