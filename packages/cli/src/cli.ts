#!/usr/bin/env node
// clickpesa-kit: the ops CLI (see docs/ops-cli.md). Exit codes: 0 ok, 1 found, 2 usage, 3 unreachable.
import { runCli } from './run.js';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
