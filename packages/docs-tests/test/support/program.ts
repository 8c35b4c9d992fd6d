import { type ChildProcess, spawn } from 'node:child_process';

/**
 * A doc program running in its own Node process, the way a reader runs it with `npx tsx file.ts`: TypeScript
 * through tsx, workspace packages from source (`@clickpesa-kit/source`), in a directory of its own.
 */
export interface RunningProgram {
  /** The first stdout match of `pattern`; rejects when the program exits first or `timeoutMs` passes. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Sends a signal and resolves when the process has exited; rejects (with the output) after `timeoutMs`. */
  stop(signal: NodeJS.Signals, timeoutMs: number): Promise<ProgramExit>;
  /** Resolves when the process exits by itself; rejects (with the output) after `timeoutMs`. */
  exit(timeoutMs: number): Promise<ProgramExit>;
  output(): { stdout: string; stderr: string };
  /** Kills the process if it is still running (test clean-up). */
  kill(): void;
}

export interface ProgramExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function startProgram(
  file: string,
  options: { cwd: string; env: Record<string, string>; plainNode?: boolean },
): RunningProgram {
  // plain JavaScript runs as a reader's `node server.js` would: built packages, no loader
  const args = options.plainNode ? [file] : ['--conditions=@clickpesa-kit/source', '--import', 'tsx', file];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    for (const listener of listeners) listener();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  let done = false;
  // 'close' comes after the process exited and its output pipes were drained
  const exited = new Promise<ProgramExit>((resolve) => {
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      done = true;
      resolve({ code, signal, stdout, stderr });
      for (const listener of listeners) listener();
    });
  });

  const withinTime = <T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${what} within ${timeoutMs} ms\n${describeOutput(stdout, stderr)}`));
      }, timeoutMs);
      promise.then(resolve, reject).finally(() => clearTimeout(timer));
    });

  return {
    waitFor(pattern, timeoutMs) {
      const found = new Promise<RegExpMatchArray>((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(stdout);
          if (match) {
            listeners.delete(check);
            resolve(match);
          } else if (done) {
            listeners.delete(check);
            reject(
              new Error(`the program exited before printing ${pattern}\n${describeOutput(stdout, stderr)}`),
            );
          }
        };
        listeners.add(check);
        check();
      });
      return withinTime(found, timeoutMs, `the program did not print ${pattern}`);
    },
    stop(signal, timeoutMs) {
      if (!done) child.kill(signal);
      return withinTime(exited, timeoutMs, `the program did not exit after ${signal}`);
    },
    exit: (timeoutMs) => withinTime(exited, timeoutMs, 'the program did not exit'),
    output: () => ({ stdout, stderr }),
    kill() {
      if (!done) child.kill('SIGKILL');
    },
  };
}

export function describeOutput(stdout: string, stderr: string): string {
  return `--- stdout ---\n${stdout.trim()}\n--- stderr ---\n${stderr.trim()}`;
}

/** The test's environment minus anything that would make a program talk to something else than the sandbox. */
function childEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('CLICKPESA_') || name === 'DATABASE_URL' || name === 'NODE_OPTIONS') continue;
    if (name.startsWith('VITEST') || name === 'TEST') continue;
    env[name] = value;
  }
  return { ...env, ...overrides };
}
