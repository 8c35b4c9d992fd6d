/** What a long command reports as it goes. */
export interface Progress {
  update(done: number, total: number, label: string): void;
  finish(): void;
}

const WIDTH = 24;

/**
 * A progress bar on stderr, redrawn in place; only when stderr is a terminal (never in pipes, files or CI
 * logs), so stdout stays clean for `--json` and redirects.
 */
export function createProgress(stream: NodeJS.WriteStream, enabled: boolean): Progress {
  if (!enabled || !stream.isTTY) return { update() {}, finish() {} };
  let drawn = false;
  return {
    update(done, total, label) {
      const ratio = total > 0 ? Math.min(1, done / total) : 0;
      const filled = Math.round(ratio * WIDTH);
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${done}/${total} ${label}\x1b[K`);
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}
