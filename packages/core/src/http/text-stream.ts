/**
 * A queue of text chunks the adapter reads as an async iterable (it is its own iterator). `end()` (client
 * gone, final status, shutdown) finishes the iteration; so does the adapter breaking out of its loop
 * (`return()`). `ended()` runs once, for the subclass to free what it holds.
 *
 * One object per open stream, methods on the prototype: thousands of streams stay open at once, and
 * per-stream closures and their contexts were most of what each one cost.
 */
export class TextStream implements AsyncIterableIterator<string> {
  // made only while chunks wait for the reader: most of a stream's life nothing does
  private chunks: string[] | null = null;
  private waiting: ((result: IteratorResult<string>) => void) | null = null;
  private done = false;

  get isEnded(): boolean {
    return this.done;
  }

  push(chunk: string): void {
    if (this.done) return;
    const resolve = this.waiting;
    if (resolve) {
      this.waiting = null;
      resolve({ done: false, value: chunk });
    } else if (this.chunks === null) this.chunks = [chunk];
    else this.chunks.push(chunk);
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.ended();
    const resolve = this.waiting;
    if (resolve && this.chunks === null) {
      this.waiting = null;
      resolve({ done: true, value: undefined });
    }
  }

  /** Runs once, when the stream ends. */
  protected ended(): void {}

  next(): Promise<IteratorResult<string>> {
    const chunks = this.chunks;
    if (chunks !== null) {
      const chunk = chunks.shift() as string;
      if (chunks.length === 0) this.chunks = null;
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.done) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<string>> {
    this.chunks = null;
    this.end();
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
