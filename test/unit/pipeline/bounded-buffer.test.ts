import { describe, expect, it } from 'vitest';

import { BoundedBuffer } from '../../../src/pipeline/bounded-buffer.ts';

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('BoundedBuffer', () => {
  it('holds the producer back once it is `capacity` items ahead, and hands items over in order', async () => {
    const buffer = new BoundedBuffer<number>(2);
    let pushed = 0;
    const producer = (async () => {
      for (let i = 1; i <= 5; i++) {
        await buffer.push(i);
        pushed = i;
      }
      buffer.close();
    })();
    await settle();
    expect(pushed).toBe(2);
    const read: number[] = [];
    const consumer = buffer[Symbol.asyncIterator]();
    const first = await consumer.next();
    read.push(first.value as number);
    await settle();
    // One taken, so one more fits.
    expect(pushed).toBe(3);
    for await (const n of { [Symbol.asyncIterator]: () => consumer }) read.push(n);
    await producer;
    expect(read).toStrictEqual([1, 2, 3, 4, 5]);
  });

  it("throws the consumer's error at the producer's waiting push", async () => {
    const buffer = new BoundedBuffer<number>(1);
    await buffer.push(1);
    const waiting = buffer.push(2);
    buffer.fail(new Error('write failed'));
    await expect(waiting).rejects.toThrow('write failed');
    await expect(buffer.push(3)).rejects.toThrow('write failed');
  });

  it('ends the consumer without the buffered items when the producer abandons', async () => {
    const buffer = new BoundedBuffer<number>(3);
    await buffer.push(1);
    await buffer.push(2);
    buffer.abandon();
    const read: number[] = [];
    for await (const n of buffer) read.push(n);
    expect(read).toStrictEqual([]);
  });

  it('lets the consumer finish what is buffered after a close', async () => {
    const buffer = new BoundedBuffer<number>(3);
    await buffer.push(1);
    await buffer.push(2);
    buffer.close();
    const read: number[] = [];
    for await (const n of buffer) read.push(n);
    expect(read).toStrictEqual([1, 2]);
  });
});
