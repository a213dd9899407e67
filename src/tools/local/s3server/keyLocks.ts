import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * One-at-a-time access by name (an object's key, a multipart upload), within this process. Work queued on
 * a name runs in arrival order. Re-entrant: work that already holds a name, and everything it awaits,
 * runs at once when it asks for that name again, so a locked step may call another that locks too.
 */
export class KeyLocks {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly held = new AsyncLocalStorage<ReadonlySet<string>>();

  async with<T>(name: string, work: () => Promise<T>): Promise<T> {
    const held = this.held.getStore();
    if (held?.has(name)) {
      return work();
    }
    const previous = this.tails.get(name) ?? Promise.resolve();
    let release = (): void => undefined;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => done);
    this.tails.set(name, tail);
    await previous;
    try {
      return await this.held.run(new Set([...(held ?? []), name]), work);
    } finally {
      release();
      if (this.tails.get(name) === tail) {
        this.tails.delete(name);
      }
    }
  }

  /** How many names have work queued or running (for tests: zero once everything settled). */
  get size(): number {
    return this.tails.size;
  }
}

/** The lock name of an object. */
export const objectLock = (bucket: string, key: string): string => `object:${bucket}/${key}`;
