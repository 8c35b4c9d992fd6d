import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const CHILD = fileURLToPath(new URL('./kill-child.ts', import.meta.url));
const PAYMENTS = 1_000;
const KILL_AFTER = 400;

export interface KillRunResult {
  store: string;
  payments: number;
  killedAfter: number;
  stored: number;
  delivered: number;
  lost: number;
  redelivered: number;
}

/**
 * 1,000 payments on SQLite: the app is SIGKILLed after 400 of them answered, a second process pays the
 * rest and drains the outbox; then every stored event id is looked up in the handler's ledger.
 */
export async function killRun(_postgresUrl: string): Promise<KillRunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'cpk-bench-kill-'));
  const filename = join(dir, 'kill.db');
  try {
    let killedAfter = 0;
    await runChild(filename, PAYMENTS, (line, kill) => {
      const answered = Number(line.split(' ')[1]);
      if (answered === KILL_AFTER) {
        killedAfter = answered;
        kill();
      }
    });
    // the restarted app pays the rest and drains the outbox (the killed one's events included)
    await runChild(filename, PAYMENTS - killedAfter, () => {});
    const db = new Database(filename, { readonly: true });
    const paid = db.prepare('SELECT count(*) FROM payments').pluck().get() as number;
    const stored = db.prepare('SELECT id FROM payment_events').pluck().all() as string[];
    const deliveries = db.prepare('SELECT event_id FROM bench_deliveries').pluck().all() as string[];
    db.close();
    const delivered = new Set(deliveries);
    return {
      store: 'sqlite',
      payments: paid,
      killedAfter,
      stored: stored.length,
      delivered: delivered.size,
      lost: stored.filter((id) => !delivered.has(id)).length,
      redelivered: deliveries.length - delivered.size,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runChild(
  filename: string,
  pay: number,
  onLine: (line: string, kill: () => void) => void,
): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--conditions=@clickpesa-kit/source', '--import', 'tsx', CHILD, filename, String(pay)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  createInterface({ input: child.stdout! }).on('line', (line) => onLine(line, () => child.kill('SIGKILL')));
  return new Promise((resolve) => child.on('close', () => resolve()));
}
