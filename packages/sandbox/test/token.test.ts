import { afterEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index.js';
import { clickpesa } from './helpers.js';

let sb: Sandbox;
afterEach(() => sb?.close());

describe('POST /generate-token', () => {
  it('issues a "Bearer "-prefixed token for the right credentials', async () => {
    sb = await startSandbox({ clientId: 'my-id', apiKey: 'my-key' });
    const response = await clickpesa(sb).generateToken({ 'client-id': 'my-id', 'api-key': 'my-key' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ success: true });
    expect((response.body as { token: string }).token).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('answers 401 Unauthorized when a credential header is missing', async () => {
    sb = await startSandbox();
    const api = clickpesa(sb);
    const partial: Record<string, string>[] = [{}, { 'client-id': sb.clientId }, { 'api-key': sb.apiKey }];
    for (const headers of partial) {
      const response = await api.generateToken(headers);
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ message: 'Unauthorized' });
    }
  });

  it('answers 403 Invalid client details for a wrong client id or api key', async () => {
    sb = await startSandbox();
    const api = clickpesa(sb);
    for (const headers of [
      { 'client-id': 'wrong', 'api-key': sb.apiKey },
      { 'client-id': sb.clientId, 'api-key': 'wrong' },
    ]) {
      const response = await api.generateToken(headers);
      expect(response.status).toBe(403);
      expect(response.body).toEqual({ message: 'Invalid client details' });
    }
  });

  it('returns a bare token when tokenPrefix is false; it is then used with one "Bearer "', async () => {
    sb = await startSandbox({ tokenPrefix: false });
    const api = clickpesa(sb);
    const token = (await api.generateToken()).body as { token: string };
    expect(token.token.startsWith('Bearer')).toBe(false);
    expect((await api.get('/payments/all', `Bearer ${token.token}`)).status).toBe(200);
    expect((await api.get('/payments/all', token.token)).status).toBe(401);
  });
});

describe('Authorization on API calls', () => {
  it('accepts the token exactly as issued and refuses missing, unknown and doubled-Bearer headers', async () => {
    sb = await startSandbox();
    const api = clickpesa(sb);
    const token = await api.token();
    expect((await api.get('/payments/all', token)).status).toBe(200);

    const bare = token.slice('Bearer '.length);
    for (const header of ['', 'Bearer nonsense', `Bearer ${token}`, bare, `bearer ${bare}`]) {
      const response = await api.get('/payments/all', header);
      expect(response.status, header).toBe(401);
      expect(response.body).toEqual({ message: 'Unauthorized' });
    }
  });

  it('expires tokens after tokenTtlMs by the injected clock', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    sb = await startSandbox({ tokenTtlMs: 60_000, now: () => now });
    const api = clickpesa(sb);
    const token = await api.token();
    now += 59_999;
    expect((await api.get('/payments/all', token)).status).toBe(200);
    now += 1;
    expect((await api.get('/payments/all', token)).status).toBe(401);
  });

  it('invalidates every token on expireTokens()', async () => {
    sb = await startSandbox();
    const api = clickpesa(sb);
    const token = await api.token();
    sb.expireTokens();
    expect((await api.get('/payments/all', token)).status).toBe(401);
    api.forgetToken();
    expect((await api.get('/payments/all')).status).toBe(200);
  });

  it('invalidates tokens when the checksum setting is switched on, as ClickPesa does', async () => {
    sb = await startSandbox();
    const api = clickpesa(sb);
    const token = await api.token();
    sb.configure({ checksumKey: 'new-key' });
    expect((await api.get('/payments/all', token)).status).toBe(401);
  });
});
