/**
 * A problem with how the example was started, worded as what to fix. The process prints the message as one
 * line on stderr and exits with code 1, so it must never hold a secret (no tokens, keys or database URLs).
 */
export class StartupError extends Error {
  override name = 'StartupError';
}
