import { setTimeout as sleep } from 'node:timers/promises';
import { WorkQueue } from '../../src/common/workQueue';

describe('WorkQueue', () => {
  it('never runs more than `concurrency` tasks at once, and runs them all in order of arrival', async () => {
    const queue = new WorkQueue(3);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    for (let index = 0; index < 20; index += 1) {
      queue.add(async () => {
        started.push(index);
        running += 1;
        peak = Math.max(peak, running);
        await sleep(index % 4);
        running -= 1;
      });
    }
    expect(queue.active).toBe(3);
    expect(queue.pending).toBe(17);
    await queue.onIdle();
    expect(peak).toBe(3);
    expect(started).toEqual([...Array(20).keys()]);
    expect([queue.active, queue.pending]).toEqual([0, 0]);
  });

  it('reports a failing task and carries on', async () => {
    const errors: unknown[] = [];
    const queue = new WorkQueue(1, (error) => errors.push(error));
    const done: string[] = [];
    queue.add(() => Promise.reject(new Error('boom')));
    queue.add(() => {
      done.push('after');
      return Promise.resolve();
    });
    await queue.onIdle();
    expect(errors).toEqual([new Error('boom')]);
    expect(done).toEqual(['after']);
  });

  it('is idle at once when empty, and again after new work', async () => {
    const queue = new WorkQueue(2);
    await queue.onIdle();
    let ran = false;
    queue.add(async () => {
      await sleep(1);
      ran = true;
    });
    await queue.onIdle();
    expect(ran).toBe(true);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses concurrency %p', (concurrency) => {
    expect(() => new WorkQueue(concurrency)).toThrow(RangeError);
  });
});
