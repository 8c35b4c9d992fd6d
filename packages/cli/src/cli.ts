#!/usr/bin/env node
// clickpesa-kit: the ops CLI (see docs/ops-cli.md). Exit codes: 0 ok, 1 found, 2 usage, 3 unreachable.
import { runCli } from './run.js';

// The toolkit's waits (the provider budget's pacing, retries) use unref'd timers so they never hold an app
// open; a command line has nothing else holding it, so it keeps itself alive until the command is done.
const keepAlive = setInterval(() => undefined, 60_000);
try {
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  });
} finally {
  clearInterval(keepAlive);
}
