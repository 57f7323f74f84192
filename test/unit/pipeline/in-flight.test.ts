import { describe, expect, it } from 'vitest';

import { InFlight } from '../../../src/pipeline/in-flight.ts';

/** A task that runs until `finish` is called. */
function gate() {
  let finish!: (error?: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = (error) => (error ? reject(error) : resolve());
  });
  return { finish, task: () => done };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('InFlight', () => {
  it('runs at most `limit` tasks at once, starting the next as one ends', async () => {
    const pool = new InFlight(2);
    const [a, b, c] = [gate(), gate(), gate()];
    await pool.start(a.task);
    await pool.start(b.task);
    let thirdStarted = false;
    const third = pool.start(() => {
      thirdStarted = true;
      return c.task();
    });
    await turn();
    expect(thirdStarted).toBe(false);
    a.finish();
    await third;
    expect(thirdStarted).toBe(true);
    b.finish();
    c.finish();
    await expect(pool.drain()).resolves.toBeUndefined();
  });

  it('throws the first failure only once the tasks still running have ended, and starts nothing new', async () => {
    const pool = new InFlight(2);
    const [a, b] = [gate(), gate()];
    await pool.start(a.task);
    await pool.start(b.task);
    a.finish(new Error('write failed'));
    let ran = false;
    const next = pool.start(() => {
      ran = true;
      return Promise.resolve();
    });
    let settled = false;
    void next.catch(() => (settled = true));
    await turn();
    // b still runs: the failure waits for it.
    expect(settled).toBe(false);
    b.finish();
    await expect(next).rejects.toThrow('write failed');
    expect(ran).toBe(false);
    await expect(pool.drain()).rejects.toThrow('write failed');
  });
});
