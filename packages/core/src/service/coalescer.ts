/**
 * Shares one in-flight operation per key among concurrent callers: 1,000 status requests for one payment
 * cause ONE ClickPesa query. A caller that needs an answer newer than its own arrival (a webhook: the state
 * may have changed after the running query was sent) asks for `fresh` and gets the next run instead, which
 * all such callers share too.
 */
export class Coalescer<T> {
  readonly #running = new Map<string, { promise: Promise<T>; next?: Promise<T> }>();

  run(key: string, operation: () => Promise<T>, options: { fresh?: boolean } = {}): Promise<T> {
    const entry = this.#running.get(key);
    if (entry === undefined) return this.#start(key, operation);
    if (!options.fresh) return entry.promise;
    entry.next ??= entry.promise.then(
      () => this.run(key, operation),
      () => this.run(key, operation),
    );
    return entry.next;
  }

  /** Number of keys with an operation in flight (for tests and metrics). */
  get size(): number {
    return this.#running.size;
  }

  #start(key: string, operation: () => Promise<T>): Promise<T> {
    const promise = Promise.resolve().then(operation);
    const entry: { promise: Promise<T>; next?: Promise<T> } = { promise };
    this.#running.set(key, entry);
    const clear = () => {
      if (this.#running.get(key) === entry) this.#running.delete(key);
    };
    promise.then(clear, clear);
    return promise;
  }
}
