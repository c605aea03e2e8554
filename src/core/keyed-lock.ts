/**
 * Runs tasks one at a time per key, in the order they came. Two builds of one branch push one image
 * reference: each tags its own image and pushes it under this lock, so neither can push the other's
 * image. The git cache's file locks queue the tasks of one process through it too.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  /** Whether a task of `key` runs or waits right now. */
  busy(key: string): boolean {
    return this.tails.has(key);
  }

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release = (): void => undefined;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await task();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
