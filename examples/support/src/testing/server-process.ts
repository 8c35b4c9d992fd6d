import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface ServerProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | string>;
  /** Resolves with the URL from the "listening" line, or rejects when the process exits first. */
  listening(): Promise<string>;
}

/**
 * Runs an example's `src/server.ts` as `pnpm start` does (node + tsx + the source condition), from `cwd` (its
 * ./.data goes there) with only the given environment: nothing leaks in from the test runner's.
 */
export function spawnServer(
  exampleDir: string,
  options: { cwd: string; env: Record<string, string> },
): ServerProcess {
  const tsx = createRequire(join(exampleDir, 'package.json')).resolve('tsx');
  const child = spawn(
    process.execPath,
    [
      '--conditions=@clickpesa-kit/source',
      '--import',
      pathToFileURL(tsx).href,
      join(exampleDir, 'src', 'server.ts'),
    ],
    {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: options.cwd, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  // a test that fails half-way must not leave a server behind
  const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const exited = new Promise<number | string>((resolve) => {
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      resolve(code ?? signal ?? 'unknown');
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    listening: () =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = /listening: open (http:\/\/\S+?)\/? /.exec(out);
          if (match?.[1]) {
            child.stdout?.off('data', check);
            resolve(match[1]);
          }
        };
        child.stdout?.on('data', check);
        check();
        void exited.then((code) =>
          reject(new Error(`server exited (${code}) before listening: ${err.trim()}`)),
        );
      }),
  };
}
