import { parseArgs } from 'node:util';
import type { SandboxOptions } from './types.js';

export const USAGE = `clickpesa-sandbox: a local fake of the ClickPesa API (no real money)

Usage: clickpesa-sandbox [options]

  --port <n>              port to listen on (default 4010; 0 picks a free one)
  --host <host>           loopback address to bind (default 127.0.0.1)
  --webhook-url <url>     where PAYMENT RECEIVED / PAYMENT FAILED webhooks are POSTed
  --client-id <id>        client id clients must send (default sandbox-client)
  --api-key <key>         api key clients must send (default sandbox-key)
  --checksum-key <key>    require request checksums and sign webhooks with this key
  --approve-delay-ms <n>  how long the simulated customer takes to answer (default 3000)
  --rate-limit <n>        answer 429 beyond n requests per minute (default off)
  --verbose               print every request
  -h, --help              show this help

Phone number's last digit: 0-4 approve, 5 reject, 6 insufficient balance,
7 waits for you on the phone page, 8 approves without webhook, 9 invalid number.`;

export interface CliConfig {
  options: SandboxOptions;
  apiKeyGiven: boolean;
  checksumKeyGiven: boolean;
  verbose: boolean;
  help: boolean;
}

function nonNegativeInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`--${name} must be a non-negative integer, got "${value}"`);
  return Number(value);
}

/** Turns argv into sandbox options; throws with a readable message on bad input. */
export function parseCliArgs(argv: string[]): CliConfig {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'webhook-url': { type: 'string' },
      'client-id': { type: 'string' },
      'api-key': { type: 'string' },
      'checksum-key': { type: 'string' },
      'approve-delay-ms': { type: 'string' },
      'rate-limit': { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const webhookUrl = values['webhook-url'];
  if (webhookUrl !== undefined && !URL.canParse(webhookUrl))
    throw new Error(`--webhook-url is not a URL: ${webhookUrl}`);
  const rateLimit = nonNegativeInteger('rate-limit', values['rate-limit']);
  const options: SandboxOptions = {
    port: nonNegativeInteger('port', values.port) ?? 4010,
    host: values.host ?? '127.0.0.1',
    webhookUrl,
    clientId: values['client-id'],
    apiKey: values['api-key'],
    checksumKey: values['checksum-key'],
    approveDelayMs: nonNegativeInteger('approve-delay-ms', values['approve-delay-ms']),
    rateLimit: rateLimit ? { limit: rateLimit, windowMs: 60_000 } : undefined,
  };
  return {
    options,
    apiKeyGiven: values['api-key'] !== undefined,
    checksumKeyGiven: values['checksum-key'] !== undefined,
    verbose: values.verbose,
    help: values.help,
  };
}
