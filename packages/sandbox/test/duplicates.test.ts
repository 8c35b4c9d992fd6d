import { afterEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index.js';
import { clickpesa, push, ref } from './helpers.js';

let sb: Sandbox;
afterEach(() => sb?.close());

describe('a reused order reference', () => {
  it("'409' (default): initiate and preview answer 409 and no second push exists", async () => {
    sb = await startSandbox({ approveDelayMs: 60_000 });
    const api = clickpesa(sb);
    const orderReference = ref();
    expect((await api.initiate(push(orderReference, '255712345670'))).status).toBe(200);
    const message = `Order reference ${orderReference} already used: Create a different reference`;
    expect(await api.initiate(push(orderReference, '255712345670'))).toMatchObject({
      status: 409,
      body: { message },
    });
    expect(await api.preview(push(orderReference, '255712345670'))).toMatchObject({
      status: 409,
      body: { message },
    });
    expect(sb.getAttempts(orderReference)).toHaveLength(1);
    expect(sb.count('initiate', orderReference)).toBe(2);
  });

  it("'existing': initiate answers 200 with the existing payment", async () => {
    sb = await startSandbox({ approveDelayMs: 60_000, duplicateReference: 'existing' });
    const api = clickpesa(sb);
    const orderReference = ref();
    const first = await api.initiate(push(orderReference, '255712345670'));
    const second = await api.initiate(push(orderReference, '255712345670', '2000'));
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(sb.getAttempts(orderReference)).toHaveLength(1);
  });

  it("'new-push': a second push is created and the query returns both", async () => {
    sb = await startSandbox({ approveDelayMs: 60_000, duplicateReference: 'new-push' });
    const api = clickpesa(sb);
    const orderReference = ref();
    const first = (await api.initiate(push(orderReference, '255712345677'))).body as { id: string };
    const second = (await api.initiate(push(orderReference, '255712345677'))).body as { id: string };
    expect(second.id).not.toBe(first.id);
    expect(sb.getAttempts(orderReference).map((attempt) => attempt.attempt)).toEqual([1, 2]);
    sb.approve(orderReference);
    const records = (await api.query(orderReference)).body as { id: string; status: string }[];
    expect(records.map((record) => [record.id, record.status])).toEqual([
      [first.id, 'PROCESSING'],
      [second.id, 'SUCCESS'],
    ]);
  });

  it('can switch modes at runtime', async () => {
    sb = await startSandbox({ approveDelayMs: 60_000 });
    const api = clickpesa(sb);
    const orderReference = ref();
    await api.initiate(push(orderReference, '255712345670'));
    sb.configure({ duplicateReference: 'existing' });
    expect((await api.initiate(push(orderReference, '255712345670'))).status).toBe(200);
  });
});
