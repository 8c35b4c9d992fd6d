import { resolve } from 'node:path';
import { type ApiTokens, parseApiTokens } from './api-tokens.js';
import { StartupError } from './startup-error.js';

/** Where payments are stored: `DATABASE_URL` (postgres://…) or the SQLite file `./.data/payments.db`. */
export type DatabaseChoice =
  | { kind: 'sqlite'; filename: string }
  /** `where` is host:port/database, for messages: the URL itself may hold a password. */
  | { kind: 'postgres'; connectionString: string; where: string };

/** Real ClickPesa (credentials in the environment) or the in-process sandbox (no credentials at all). */
export type ClickPesaChoice =
  | { mode: 'live'; clientId: string; apiKey: string; checksumKey?: string; baseUrl?: string }
  | { mode: 'sandbox'; approveDelayMs: number };

export interface ExampleConfig {
  port: number;
  host: string;
  database: DatabaseChoice;
  clickpesa: ClickPesaChoice;
  apiTokens: ApiTokens;
}

/**
 * How long the simulated customer takes to answer a push to a number ending in 0–4 (5 and 6 fail after it):
 * long enough for a person to see the prompt on the simulated phone and press Approve themselves.
 */
export const DEFAULT_SANDBOX_APPROVE_DELAY_MS = 20_000;

/**
 * Reads the example's environment (the variables listed in examples/support/README.md). Every problem is a
 * StartupError naming the variable and what to do about it; values are echoed only when they cannot be secret
 * (PORT, HOST).
 */
export function readExampleConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ExampleConfig {
  return {
    port: readPort(env.PORT),
    host: readHost(env.HOST),
    database: readDatabase(env.DATABASE_URL, cwd),
    clickpesa: readClickPesa(env),
    apiTokens: parseApiTokens(env.API_TOKENS),
  };
}

function readPort(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 3000;
  const port = /^\d{1,5}$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!(port >= 0 && port <= 65_535)) {
    throw new StartupError(`PORT must be a whole number from 0 to 65535, not "${value}"`);
  }
  return port;
}

function readHost(value: string | undefined): string {
  const host = value?.trim() || '127.0.0.1';
  if (!/^[\w.:-]+$/.test(host))
    throw new StartupError(`HOST must be a host name or IP address, not "${value}"`);
  return host;
}

function readDatabase(value: string | undefined, cwd: string): DatabaseChoice {
  if (value === undefined || value.trim() === '') {
    return { kind: 'sqlite', filename: resolve(cwd, '.data', 'payments.db') };
  }
  let url: URL | undefined;
  try {
    url = new URL(value.trim());
  } catch {
    url = undefined;
  }
  if (!url || !/^postgres(ql)?:$/.test(url.protocol) || url.hostname === '') {
    throw new StartupError(
      'DATABASE_URL is not a valid postgres:// URL: use postgres://user:password@host:5432/database, ' +
        'or unset it to use SQLite in ./.data/payments.db',
    );
  }
  const where = `${url.hostname}:${url.port || '5432'}${url.pathname === '/' ? '' : url.pathname}`;
  return { kind: 'postgres', connectionString: value.trim(), where };
}

function readClickPesa(env: NodeJS.ProcessEnv): ClickPesaChoice {
  const clientId = env.CLICKPESA_CLIENT_ID?.trim() ?? '';
  const apiKey = env.CLICKPESA_API_KEY?.trim() ?? '';
  if (clientId === '' && apiKey === '') return { mode: 'sandbox', approveDelayMs: readApproveDelay(env) };
  if (clientId === '' || apiKey === '') {
    const missing = clientId === '' ? 'CLICKPESA_CLIENT_ID' : 'CLICKPESA_API_KEY';
    throw new StartupError(
      `${missing} is missing: set both CLICKPESA_CLIENT_ID and CLICKPESA_API_KEY, or neither to use the sandbox`,
    );
  }
  const live: ClickPesaChoice = { mode: 'live', clientId, apiKey };
  const checksumKey = env.CLICKPESA_CHECKSUM_KEY?.trim();
  if (checksumKey) live.checksumKey = checksumKey;
  const baseUrl = env.CLICKPESA_BASE_URL?.trim();
  if (baseUrl) live.baseUrl = readBaseUrl(baseUrl);
  return live;
}

function readBaseUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === 'https:' || url.protocol === 'http:') return value;
  } catch {
    // reported below
  }
  throw new StartupError(
    'CLICKPESA_BASE_URL is not an http(s) URL: unset it to use https://api.clickpesa.com/third-parties',
  );
}

function readApproveDelay(env: NodeJS.ProcessEnv): number {
  const value = env.SANDBOX_APPROVE_DELAY_MS?.trim();
  if (value === undefined || value === '') return DEFAULT_SANDBOX_APPROVE_DELAY_MS;
  if (!/^\d{1,9}$/.test(value)) {
    throw new StartupError(`SANDBOX_APPROVE_DELAY_MS must be a number of milliseconds, not "${value}"`);
  }
  return Number(value);
}
