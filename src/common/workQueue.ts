type Task = () => Promise<void>;

/**
 * Runs tasks with at most `concurrency` at a time, in the order they were added, like Lambda scaling out
 * to a concurrency limit. Tasks own their errors: one that rejects is reported to `onError` and the
 * queue carries on.
 */
export class WorkQueue {
  private readonly waiting: Task[] = [];
  private running = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    readonly concurrency: number,
    private readonly onError: (error: unknown) => void = (error) => {
      console.error(error);
    },
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, got ${String(concurrency)}`);
    }
  }

  /** Tasks waiting for a slot. */
  get pending(): number {
    return this.waiting.length;
  }

  /** Tasks running now. */
  get active(): number {
    return this.running;
  }

  add(task: Task): void {
    this.waiting.push(task);
    this.startNext();
  }

  /** Resolves once nothing is waiting or running. */
  onIdle(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
    });
  }

  private startNext(): void {
    while (this.running < this.concurrency) {
      const task = this.waiting.shift();
      if (!task) {
        break;
      }
      this.running += 1;
      void this.run(task);
    }
    if (this.running === 0 && this.waiting.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) {
        resolve();
      }
    }
  }

  private async run(task: Task): Promise<void> {
    try {
      await task();
    } catch (error) {
      this.onError(error);
    } finally {
      this.running -= 1;
      this.startNext();
    }
  }
}
