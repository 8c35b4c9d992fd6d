import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createSqliteStore } from '@clickpesa-kit/store-sqlite';
import { makeEvent, makePayment } from '@clickpesa-kit/store-tests';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';

const writer = fileURLToPath(new URL('./fixtures/payment-writer.ts', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'cpk-sqlite-crash-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function startWriter(filename: string, mode: string, arg: string): ChildProcess {
  return spawn(
    process.execPath,
    ['--conditions=@clickpesa-kit/source', '--import', 'tsx', writer, filename, mode, arg],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
}

/** Resolves with every stdout line once the child exited (or was killed). */
function collectLines(
  child: ChildProcess,
  onLine?: (line: string, all: string[]) => void,
): Promise<string[]> {
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    onLine?.(line, lines);
  });
  return new Promise((resolve) => child.on('close', () => resolve(lines)));
}

const STATUS_AT_VERSION = { 1: 'pending', 2: 'processing', 3: 'success' } as Record<number, string>;

describe('SQLite crash safety', () => {
  it('SIGKILL in the middle of 200 payments: nothing committed is lost, no payment is half-written', async () => {
    const filename = join(root, 'killed.db');
    const child = startWriter(filename, 'lifecycle', '200');
    // Kill once about a third of the 600 committed steps were reported: the child is mid-loop, usually mid-write.
    const lines = await collectLines(child, (_line, all) => {
      if (all.length === 200) child.kill('SIGKILL');
    });
    expect(child.signalCode).toBe('SIGKILL');
    expect(lines).not.toContain('done');

    const reported = new Map<string, number>();
    for (const line of lines) {
      const [, id, version] = line.split(' ');
      reported.set(id!, Number(version));
    }
    expect(reported.size).toBeGreaterThan(60);

    const raw = new Database(filename, { readonly: true });
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    raw.close();

    const store = createSqliteStore({ filename });
    try {
      for (const [id, version] of reported) {
        const payment = await store.getPayment(id);
        expect(payment, `payment ${id} was reported committed`).not.toBeNull();
        expect(payment!.version).toBeGreaterThanOrEqual(version);
      }
      // Every payment in the file, reported or not (the kill may land after a commit, before the print):
      const db = new Database(filename, { readonly: true });
      const ids = db.prepare('SELECT id FROM payments').pluck().all() as string[];
      db.close();
      expect(ids.length).toBeGreaterThanOrEqual(reported.size);
      expect(ids.length).toBeLessThanOrEqual(reported.size + 1);
      for (const id of ids) {
        const payment = (await store.getPayment(id))!;
        const events = await store.listEvents(id);
        const audit = await store.listAudit(id);
        expect(payment.status).toBe(STATUS_AT_VERSION[payment.version]);
        expect(events.map((event) => event.seq)).toEqual(
          Array.from({ length: payment.version }, (_, i) => i + 1),
        );
        expect(audit.map((entry) => entry.data.to)).toEqual(
          Array.from({ length: payment.version }, (_, i) => STATUS_AT_VERSION[i + 1]),
        );
        expect((await store.getPaymentByOrderReference(payment.orderReference))?.id).toBe(id);
      }
    } finally {
      await store.close();
    }
  });

  it('two processes racing compare-and-set on the same payments: each applies exactly once (SM-2)', async () => {
    const filename = join(root, 'race.db');
    const store = createSqliteStore({ filename });
    const payments = Array.from({ length: 150 }, () => makePayment());
    for (const payment of payments)
      await store.createPayment({ payment, events: [makeEvent('payment.created')] });
    await store.close();

    const ids = payments.map((payment) => payment.id).join(',');
    const children = [startWriter(filename, 'race', ids), startWriter(filename, 'race', ids)];
    const outputs = await Promise.all(children.map((child) => collectLines(child)));
    for (const output of outputs) expect(output.at(-1)).toBe('done');

    const applied = outputs.flat().filter((line) => line.startsWith('applied '));
    const conflicts = outputs.flat().filter((line) => line.startsWith('version_conflict '));
    expect(applied).toHaveLength(payments.length);
    expect(conflicts).toHaveLength(payments.length);
    expect(new Set(applied).size).toBe(payments.length);

    const reopened = createSqliteStore({ filename });
    try {
      for (const payment of payments) {
        expect((await reopened.getPayment(payment.id))?.version).toBe(2);
        expect(await reopened.listEvents(payment.id)).toHaveLength(2);
      }
    } finally {
      await reopened.close();
    }
  });
});
