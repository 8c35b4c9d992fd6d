import { isClickPesaKitError } from '@clickpesa-kit/core';
import { type ExampleConfig, readExampleConfig } from './config.js';
import { sandboxBanner } from './sandbox-mode.js';
import { prepareShop, type RunningShop, type Shop, type StartShop } from './shop.js';
import { StartupError } from './startup-error.js';

/** Longer than the poller's default shutdown grace (10 s): in-flight checks get to finish first. */
const SHUTDOWN_TIMEOUT_MS = 15_000;

/**
 * The example's process: read the environment, open the store, start the sandbox when there are no
 * credentials, start the app, and shut all of it down on Ctrl-C / SIGTERM. Any startup problem is ONE line on
 * stderr saying what to fix, and exit code 1.
 */
export async function runExample(framework: string, startShop: StartShop): Promise<void> {
  let config: ExampleConfig | undefined;
  let shop: Shop | undefined;
  let running: RunningShop;
  try {
    config = readExampleConfig();
    shop = await prepareShop(config);
    running = await startShop(shop, { port: config.port, host: config.host });
    shop.listening(running.url);
  } catch (error) {
    await shop?.close();
    const problem = startupProblem(error, config).replace(/\s+/g, ' ');
    process.stderr.write(`Cannot start the ${framework} example: ${problem}\n`);
    process.exit(1);
  }

  if (shop.sandbox) console.log(sandboxBanner(shop.sandbox));
  console.log(
    `${framework} example listening: open ${running.url}/ (payment routes under ${running.url}/api/v1)`,
  );
  console.log(`Demo users (API_TOKENS): ${config.apiTokens.userIds.join(', ')}. Press Ctrl-C to stop.`);
  stopOnSignal(running, shop);
}

/** One sentence for the reasons a start usually fails; StartupErrors already are one. */
export function startupProblem(error: unknown, config: ExampleConfig | undefined): string {
  if (error instanceof StartupError || isClickPesaKitError(error)) return error.message;
  const code = (error as { code?: unknown } | null)?.code;
  const port = config?.port ?? 'the';
  switch (code) {
    case 'EADDRINUSE':
      return `port ${port} is already in use: stop the program using it, or set PORT to a free port`;
    case 'EACCES':
      return `port ${port} needs privileges this user does not have: set PORT to 1024 or above`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return `HOST ${config?.host ?? ''} is not an address of this machine: unset HOST to listen on 127.0.0.1`;
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/** Ctrl-C: stop taking requests, stop the poller, close the store and the sandbox; a second Ctrl-C forces it. */
function stopOnSignal(running: RunningShop, shop: Shop): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting without waiting\n`);
      process.exit(1);
    }
    stopping = true;
    console.log(`${signal}: shutting down (finishing requests and provider checks in flight)...`);
    const timer = setTimeout(() => {
      process.stderr.write('Shutdown took too long: exiting anyway\n');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    running
      .close()
      .finally(() => shop.close())
      .then(
        () => {
          console.log('Stopped.');
          process.exit(0);
        },
        (error: unknown) => {
          process.stderr.write(
            `Shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`,
          );
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
