import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type HostParsedBody,
  type RequestBodyFields,
  readBodyStream,
  readRequestBody,
} from '../../src/http/read-body.js';

describe('readBodyStream', () => {
  it('collects the bytes up to the limit', async () => {
    const stream = new PassThrough();
    const reading = readBodyStream(stream, 10);
    stream.write('hello ');
    stream.end('you');
    const body = await reading;
    expect(body.bodyTooLarge).toBeUndefined();
    expect(body.rawBody?.toString()).toBe('hello you');
  });

  it('stops past the limit, answers bodyTooLarge at once and drains the rest', async () => {
    const stream = new PassThrough();
    const reading = readBodyStream(stream, 4);
    stream.write('12345');
    expect(await reading).toEqual({ bodyTooLarge: true });
    let ended = false;
    stream.on('end', () => {
      ended = true;
    });
    stream.end('more bytes nobody keeps');
    await new Promise((resolve) => setImmediate(resolve));
    expect(ended).toBe(true);
  });

  it('rejects with the stream error, and with a 400 "request aborted" when the client goes away', async () => {
    const failing = new PassThrough();
    const failed = readBodyStream(failing, 100);
    const boom = new Error('boom');
    failing.destroy(boom);
    await expect(failed).rejects.toBe(boom);

    const aborted = new PassThrough();
    const reading = readBodyStream(aborted, 100);
    aborted.write('par');
    aborted.emit('aborted');
    await expect(reading).rejects.toMatchObject({
      message: 'request aborted',
      status: 400,
      expose: true,
      type: 'request.aborted',
      code: 'ECONNABORTED',
    });
  });

  it('rejects a stream closed before its end instead of waiting forever', async () => {
    const stream = new PassThrough();
    const reading = readBodyStream(stream, 100);
    stream.emit('close');
    await expect(reading).rejects.toMatchObject({ type: 'request.aborted' });
  });

  it('refuses a stream that can no longer be read', async () => {
    const stream = new PassThrough();
    stream.resume();
    stream.end();
    await new Promise((resolve) => stream.once('end', resolve));
    await expect(readBodyStream(stream, 100)).rejects.toMatchObject({ status: 500 });
  });
});

describe('readRequestBody over real HTTP', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  /** Serves one request: `prepare` may consume the body first (as a host parser would). */
  async function serveOnce(
    limit: number,
    prepare?: (req: IncomingMessage) => Promise<HostParsedBody>,
  ): Promise<{ url: string; result: Promise<RequestBodyFields> }> {
    let settle!: (fields: Promise<RequestBodyFields>) => void;
    const result = new Promise<RequestBodyFields>((resolve) => {
      settle = (fields) => resolve(fields);
    });
    const server = createServer(async (req, res) => {
      const host = prepare ? await prepare(req) : undefined;
      const fields = readRequestBody(req, limit, host);
      settle(fields);
      await fields.catch(() => undefined);
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    close = () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, result };
  }

  function send(url: string, init: { method: string; body?: string }): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(url, { method: init.method }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(init.body);
    });
  }

  it('answers at once with no fields for a request without a body', async () => {
    const { url, result } = await serveOnce(100);
    expect(await send(url, { method: 'GET' })).toBe(200);
    expect(await result).toEqual({});
  });

  it('reads the body itself when nobody has', async () => {
    const { url, result } = await serveOnce(100);
    await send(url, { method: 'POST', body: '{"a":1}' });
    expect((await result).rawBody?.toString()).toBe('{"a":1}');
  });

  it('marks a body over the limit as too large', async () => {
    const { url, result } = await serveOnce(4);
    await send(url, { method: 'POST', body: 'x'.repeat(50) });
    expect(await result).toEqual({ bodyTooLarge: true });
  });

  it("takes the host's raw bytes, else the host's parsed body, once a host parser consumed the stream", async () => {
    const consume = async (req: IncomingMessage) => {
      for await (const _chunk of req) {
        // a host parser reading the stream to its end
      }
    };
    const withBytes = await serveOnce(100, async (req) => {
      await consume(req);
      return { rawBody: Buffer.from('host bytes'), body: { parsed: true } };
    });
    await send(withBytes.url, { method: 'POST', body: 'host bytes' });
    expect((await withBytes.result).rawBody?.toString()).toBe('host bytes');
    await close?.();

    const parsedOnly = await serveOnce(100, async (req) => {
      await consume(req);
      return { body: { parsed: true } };
    });
    await send(parsedOnly.url, { method: 'POST', body: '{"parsed":true}' });
    expect(await parsedOnly.result).toEqual({ body: { parsed: true } });
  });
});
