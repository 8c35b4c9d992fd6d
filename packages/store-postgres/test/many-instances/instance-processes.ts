import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { INSTANCE_CONFIG_VARIABLE, type InstanceConfig, type InstanceMessage } from './messages.js';

const INSTANCE_SCRIPT = fileURLToPath(new URL('./instance.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

type LogMessage = Extract<InstanceMessage, { kind: 'log' }>;
type EventMessage = Extract<InstanceMessage, { kind: 'event' }>;

/** One running instance process, as the parent sees it. */
export interface InstanceProcess {
  readonly id: string;
  /** Its HTTP origin, e.g. "http://127.0.0.1:40123". */
  readonly origin: string;
  /** False once it was killed or exited. */
  readonly alive: boolean;
  /** Events it reported emitting (those in flight when it was killed may be missing). */
  readonly events: EventMessage[];
  readonly logs: LogMessage[];
  /** Its stderr, for failure diagnostics. */
  stderr(): string;
  /** Hard crash: no shutdown code runs, its leases stay held until they expire. */
  kill(): void;
  /** Graceful stop (SIGTERM: the kit closes, the poller releases its leases). */
  stop(): Promise<void>;
}

/** Forks the instance script and waits until its HTTP server listens (first start transpiles the sources). */
export async function startInstance(
  config: InstanceConfig,
  startTimeoutMs = 60_000,
): Promise<InstanceProcess> {
  const child = fork(INSTANCE_SCRIPT, [], {
    cwd: PACKAGE_DIR,
    execArgv: ['--conditions=@clickpesa-kit/source', '--import', 'tsx'],
    env: { ...process.env, [INSTANCE_CONFIG_VARIABLE]: JSON.stringify(config) },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const events: EventMessage[] = [];
  const logs: LogMessage[] = [];
  let alive = true;
  child.once('exit', () => {
    alive = false;
  });
  let reportedStop: () => void = () => {};
  const stopReported = new Promise<void>((resolve) => {
    reportedStop = resolve;
    child.once('exit', () => resolve());
  });

  let started = false;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('did not start in time')), startTimeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`instance ${config.instanceId}: ${error.message}\n${stderr}`));
    };
    child.on('message', (message: InstanceMessage) => {
      if (message.kind === 'ready') {
        started = true;
        clearTimeout(timer);
        resolve(message.port);
      } else if (message.kind === 'event') events.push(message);
      else if (message.kind === 'log') logs.push(message);
      else reportedStop();
    });
    child.once('exit', (code, signal) => {
      if (!started) fail(new Error(`exited early (${code ?? signal})`));
    });
  });

  return {
    id: config.instanceId,
    origin: `http://127.0.0.1:${port}`,
    get alive() {
      return alive;
    },
    events,
    logs,
    stderr: () => stderr,
    kill() {
      alive = false;
      child.kill('SIGKILL');
    },
    stop: () => stopChild(child, () => alive, stopReported),
  };
}

/** SIGTERM, then wait for its exit and for its last report (so no event it sent is missed). */
async function stopChild(
  child: ChildProcess,
  isAlive: () => boolean,
  reported: Promise<void>,
): Promise<void> {
  if (!isAlive() || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await Promise.all([exited, reported]);
  clearTimeout(timer);
}
