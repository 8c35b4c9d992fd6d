import { type ChildProcess, spawn } from 'node:child_process';
import { userEnv } from './run.js';

export interface ServerProcess {
  /** The first match of `readyLine` in its standard output. */
  ready: RegExpMatchArray;
  /** Everything it printed so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

/** Starts a long-running program and waits until it prints a line matching `readyLine`. */
export function startServerProcess(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; readyLine: RegExp; timeoutMs?: number },
): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, { cwd: options.cwd, env: userEnv(options.env) });
  let output = '';
  const stop = () => stopChild(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${args.join(' ')} did not get ready in time:\n${output}`));
    }, options.timeoutMs ?? 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      const ready = output.match(options.readyLine);
      if (!ready) return;
      clearTimeout(timer);
      resolve({ ready, output: () => output, stop });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited with ${code} before it was ready:\n${output}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
