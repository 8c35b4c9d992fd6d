#!/usr/bin/env node
import { type CliConfig, parseCliArgs, USAGE } from './cli-args.js';
import { startSandbox } from './sandbox.js';
import type { RequestLogEntry, Sandbox } from './types.js';

function banner(sb: Sandbox, cli: CliConfig): string {
  const { options } = cli;
  return [
    'ClickPesa sandbox running (no real money moves)',
    `  base URL:    ${sb.url}`,
    `  client id:   ${sb.clientId}`,
    // A key the user typed is theirs to know; printing it would put it in terminal logs.
    `  api key:     ${cli.apiKeyGiven ? '(as given)' : sb.apiKey}`,
    `  checksum:    ${cli.checksumKeyGiven ? 'required (key as given)' : 'off'}`,
    `  webhooks:    ${options.webhookUrl ?? '(none: pass --webhook-url)'}`,
    `  rate limit:  ${options.rateLimit ? `${options.rateLimit.limit}/min` : 'off'}`,
    `  phone page:  ${sb.phoneUrl}`,
    '',
  ].join('\n');
}

function describe(entry: RequestLogEntry): string {
  const reference = entry.orderReference ? ` ${entry.orderReference}` : '';
  const fault = entry.fault ? ` [fault: ${entry.fault}]` : '';
  return `${new Date(entry.at).toISOString()} ${entry.method} ${entry.url} → ${entry.status || 'reset'}${reference}${fault}`;
}

async function main(): Promise<void> {
  let cli: CliConfig;
  try {
    cli = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (cli.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const onRequest = cli.verbose
    ? (entry: RequestLogEntry) => {
        if (entry.endpoint !== 'page') process.stdout.write(`${describe(entry)}\n`);
      }
    : undefined;
  const sb = await startSandbox({ ...cli.options, onRequest });
  process.stdout.write(banner(sb, cli));

  const stop = (signal: NodeJS.Signals) => {
    process.stdout.write(`\n${signal}: closing the sandbox\n`);
    sb.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`clickpesa-sandbox: ${(error as Error).message}\n`);
  process.exit(1);
});
