import { request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index.js';
import { clickpesa } from './helpers.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await startSandbox();
});
afterEach(() => sb.close());

async function stillServing() {
  expect((await clickpesa(sb).generateToken()).status).toBe(200);
}

describe('robustness', () => {
  it('answers 413 to a body over 1 MiB', async () => {
    const response = await fetch(`${sb.url}/payments/initiate-ussd-push-request`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"pad":"${'x'.repeat(1024 * 1024 + 10)}"}`,
    }).catch(() => undefined);
    // Either the 413 arrives or the server cut the upload short; it never processes it.
    if (response) expect(response.status).toBe(413);
    expect(sb.count('initiate')).toBe(1);
    await stillServing();
  });

  it('survives garbage on the socket', async () => {
    await new Promise<void>((resolve) => {
      const socket = connect(sb.port, '127.0.0.1', () => socket.end('NOT HTTP AT ALL\r\n\r\n'));
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
      socket.resume();
    });
    await stillServing();
  });

  it('survives a client that disconnects mid-body', async () => {
    await new Promise<void>((resolve) => {
      const req = request(`${sb.url}/payments/initiate-ussd-push-request`, {
        method: 'POST',
        headers: { 'content-length': '1000' },
      });
      req.on('error', () => resolve());
      req.write('{"amount":', () => {
        req.destroy();
        resolve();
      });
    });
    await stillServing();
  });

  it('copes with odd paths and encodings', async () => {
    const api = clickpesa(sb);
    expect((await api.get('/payments/%E0%A4%A')).status).toBe(404);
    expect((await api.get('/payments/a%2Fb')).status).toBe(404);
    expect((await fetch(`${sb.origin}/__sandbox/payments/%ZZ/approve`, { method: 'POST' })).status).toBe(404);
    await stillServing();
  });

  it('refuses to bind anything but loopback', async () => {
    await expect(startSandbox({ host: '0.0.0.0' })).rejects.toThrow(/only binds to loopback/);
    expect(new URL(sb.url).hostname).toBe('127.0.0.1');
  });

  it('close() is idempotent and ends keep-alive connections', async () => {
    const other = await startSandbox();
    await clickpesa(other).generateToken();
    await Promise.all([other.close(), other.close()]);
    await expect(fetch(`${other.url}/generate-token`, { method: 'POST' })).rejects.toThrow();
  });
});
