import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCliArgs } from '../src/cli-args.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const children = new Set<ChildProcess>();

function startCli(args: string[]) {
  const running = spawn(
    process.execPath,
    ['--conditions=@clickpesa-kit/source', '--import', 'tsx', 'src/cli.ts', ...args],
    {
      cwd: packageDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(running);
  let stdout = '';
  let stderr = '';
  running.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  running.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return {
    process: running,
    output: () => stdout,
    errors: () => stderr,
    /** Resolves with stdout once it contains `text`. */
    async waitFor(text: string): Promise<string> {
      while (!stdout.includes(text)) {
        if (running.exitCode !== null) throw new Error(`CLI exited ${running.exitCode}: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return stdout;
    },
    async exitCode(): Promise<number | null> {
      if (running.exitCode === null) await once(running, 'exit');
      return running.exitCode;
    },
  };
}

afterEach(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  children.clear();
});

describe('clickpesa-sandbox CLI', () => {
  it('prints its URLs and credentials without the secrets, answers, and exits on SIGTERM', async () => {
    const cli = startCli([
      '--port',
      '0',
      '--client-id',
      'cli-client',
      '--api-key',
      'cli-api-key-sentinel',
      '--checksum-key',
      'cli-checksum-sentinel',
      '--approve-delay-ms',
      '10',
    ]);
    const banner = await cli.waitFor('phone page:');
    const baseUrl = /base URL:\s+(\S+)/.exec(banner)?.[1] ?? '';
    expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/third-parties$/);
    expect(banner).toContain('client id:   cli-client');
    expect(banner).toContain('api key:     (as given)');
    expect(banner).toMatch(/phone page:\s+http:\/\/127\.0\.0\.1:\d+\/__sandbox\//);
    expect(banner).not.toContain('sentinel');

    const token = await fetch(`${baseUrl}/generate-token`, {
      method: 'POST',
      headers: { 'client-id': 'cli-client', 'api-key': 'cli-api-key-sentinel' },
    });
    expect(token.status).toBe(200);

    cli.process.kill('SIGTERM');
    expect(await cli.exitCode()).toBe(0);
    await expect(fetch(`${baseUrl}/generate-token`, { method: 'POST' })).rejects.toThrow();
  });

  it('prints the default api key, since it is no secret', async () => {
    const cli = startCli(['--port', '0']);
    const banner = await cli.waitFor('phone page:');
    expect(banner).toContain('api key:     sandbox-key');
    expect(banner).toContain('checksum:    off');
    cli.process.kill('SIGINT');
    expect(await cli.exitCode()).toBe(0);
  });

  it('prints usage for --help and refuses unknown options', async () => {
    const help = startCli(['--help']);
    const bad = startCli(['--bogus']);
    expect(await help.exitCode()).toBe(0);
    expect(help.output()).toContain('Usage: clickpesa-sandbox');
    expect(await bad.exitCode()).toBe(2);
    expect(bad.errors()).toContain('Usage: clickpesa-sandbox');
  });
});

describe('parseCliArgs', () => {
  it('maps flags to sandbox options', () => {
    const parsed = parseCliArgs([
      '--port',
      '4011',
      '--webhook-url',
      'http://127.0.0.1:3000/api/v1/callback',
      '--rate-limit',
      '120',
      '--approve-delay-ms',
      '500',
    ]);
    expect(parsed.options).toMatchObject({
      port: 4011,
      host: '127.0.0.1',
      webhookUrl: 'http://127.0.0.1:3000/api/v1/callback',
      approveDelayMs: 500,
      rateLimit: { limit: 120, windowMs: 60_000 },
    });
    expect(parseCliArgs([]).options.port).toBe(4010);
    expect(parseCliArgs([]).options.rateLimit).toBeUndefined();
  });

  it('refuses malformed numbers and URLs', () => {
    expect(() => parseCliArgs(['--port', 'abc'])).toThrow(/--port must be a non-negative integer/);
    expect(() => parseCliArgs(['--webhook-url', 'not a url'])).toThrow(/--webhook-url is not a URL/);
  });
});
