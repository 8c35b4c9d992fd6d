import { parseArgs } from 'node:util';
import { isClickPesaKitError, type PaymentStore } from '@clickpesa-kit/core';
import { listDeadLetters, replayDeadLetter } from './commands/events.js';
import { listPayments, showPayment } from './commands/payments.js';
import { reconcile } from './commands/reconcile.js';
import type { Command, Options } from './context.js';
import { EXIT, type ExitCode, UsageError } from './exit-codes.js';
import { chooseStore, openStore } from './open-store.js';
import { createProgress } from './progress.js';

export const USAGE = `Usage: clickpesa-kit <command> [options]

Commands:
  payments list [--status <status>] [--older-than <10m>] [--limit <n>]
  payments show <payment id | order reference>
  events dead-letters [--consumer <handlers|callback>] [--limit <n>]
  events replay <event id> [--consumer <handlers|callback>]
  reconcile --since <24h | ISO date> [--until <...>] [--apply] [--page-size <n>]
            [--provider-status <STATUS>] [--out <dir>]

Store (the app's): --database-url <url> (or DATABASE_URL) [--schema <name>] (or CLICKPESA_PG_SCHEMA),
                   --sqlite <file> (or CLICKPESA_SQLITE_FILE)
Output: tables for people; --json for scripts. --no-progress hides the progress bar.
Exit codes: 0 ok, 1 found something for a person, 2 usage, 3 store or ClickPesa unreachable.`;

const COMMANDS: Record<string, Command> = {
  'payments list': listPayments,
  'payments show': showPayment,
  'events dead-letters': listDeadLetters,
  'events replay': replayDeadLetter,
  reconcile,
};

export interface CliIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  now?: () => Date;
}

/** Runs one command line; resolves with the exit code. Nothing it prints contains a configured secret. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const scrub = secretScrubber(io.env);
  const out = (text: string) => io.stdout.write(`${scrub(text)}\n`);
  const err = (text: string) => io.stderr.write(`${scrub(text)}\n`);
  let store: PaymentStore | null = null;
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean' },
        'no-progress': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        sqlite: { type: 'string' },
        'database-url': { type: 'string' },
        schema: { type: 'string' },
        status: { type: 'string' },
        'older-than': { type: 'string' },
        limit: { type: 'string' },
        consumer: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        apply: { type: 'boolean' },
        'page-size': { type: 'string' },
        'provider-status': { type: 'string' },
        out: { type: 'string' },
      },
    });
    if (values.help || positionals.length === 0) {
      out(USAGE);
      return values.help ? EXIT.ok : EXIT.usage;
    }
    const [group = '', sub = ''] = positionals;
    const name = group === 'reconcile' ? 'reconcile' : `${group} ${sub}`;
    const command = COMMANDS[name];
    if (!command) throw new UsageError(`Unknown command: ${positionals.slice(0, 2).join(' ')}`);
    const choice = chooseStore(
      { sqlite: values.sqlite, databaseUrl: values['database-url'], schema: values.schema },
      io.env,
    );
    store = await openStore(choice);
    const now = io.now?.() ?? new Date();
    return await command({
      store,
      options: values as Options,
      args: positionals.slice(name === 'reconcile' ? 1 : 2),
      now,
      env: io.env,
      print: out,
      progress: createProgress(io.stderr, !values['no-progress'] && !values.json),
    });
  } catch (error) {
    return reportFailure(error, err);
  } finally {
    await store?.close().catch(() => undefined);
  }
}

/** Maps a failure to its exit code and a secret-free line on stderr. */
function reportFailure(error: unknown, err: (text: string) => void): ExitCode {
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
    err(`${(error as Error).message}\nRun clickpesa-kit --help for the commands and options.`);
    return EXIT.usage;
  }
  if (isClickPesaKitError(error)) {
    err(`${error.code}: ${error.message}`);
    if (
      error.code === 'VALIDATION_ERROR' ||
      error.code === 'CONFIG_INVALID' ||
      error.code === 'MISSING_CREDENTIALS'
    ) {
      return EXIT.usage;
    }
    return EXIT.unreachable;
  }
  // driver errors (a refused connection, a missing table) say what failed; their text is scrubbed of secrets
  err(`Store or ClickPesa failure: ${error instanceof Error ? error.message : String(error)}`);
  return EXIT.unreachable;
}

/** Replaces every configured secret (and a database URL's password) with [REDACTED]. */
function secretScrubber(env: NodeJS.ProcessEnv): (text: string) => string {
  const secrets = [
    env.CLICKPESA_API_KEY,
    env.CLICKPESA_CHECKSUM_KEY,
    env.CLICKPESA_CLIENT_ID,
    env.DATABASE_URL,
  ].filter((value): value is string => typeof value === 'string' && value.length >= 4);
  const password = env.DATABASE_URL ? safeUrlPassword(env.DATABASE_URL) : null;
  if (password) secrets.push(password);
  return (text) => {
    let scrubbed = text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]+:)[^@\s]+@/g, '$1[REDACTED]@');
    for (const secret of secrets) scrubbed = scrubbed.split(secret).join('[REDACTED]');
    return scrubbed;
  };
}

function safeUrlPassword(url: string): string | null {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password.length >= 4 ? password : null;
  } catch {
    return null;
  }
}
