/** The CLI's exit codes (docs/ops-cli.md lists them). */
export const EXIT = {
  /** Done; nothing that needs a person. */
  ok: 0,
  /** Done, and it found something for a person: mismatches, dead letters, stuck payments, an unknown id. */
  found: 1,
  /** Bad command line or missing configuration (nothing was done). */
  usage: 2,
  /** The store or ClickPesa could not be reached (or refused the credentials). */
  unreachable: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A command-line mistake: printed with the usage hint, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
