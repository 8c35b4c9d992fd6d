import type { PaymentStore } from '@clickpesa-kit/core';
import type { ExitCode } from './exit-codes.js';
import type { Progress } from './progress.js';

/** The parsed command line's options (every command's; each reads its own). */
export interface Options {
  json?: boolean;
  status?: string;
  'older-than'?: string;
  limit?: string;
  consumer?: string;
  since?: string;
  until?: string;
  apply?: boolean;
  'page-size'?: string;
  'provider-status'?: string;
  out?: string;
}

export interface CommandContext {
  store: PaymentStore;
  options: Options;
  /** Positional arguments after the command's own words (`show <id>` → [id]). */
  args: string[];
  now: Date;
  env: NodeJS.ProcessEnv;
  /** Writes one block of text (or JSON) to stdout. */
  print(text: string): void;
  progress: Progress;
}

export type Command = (ctx: CommandContext) => Promise<ExitCode>;
