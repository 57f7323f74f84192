/**
 * A first-in first-out buffer of at most `capacity` items between one producer and one consumer:
 * the producer's `push` waits while the buffer is full, so a fast producer runs at most `capacity`
 * items ahead of a slow consumer. Either side can give up: `fail` (the consumer failed) makes the
 * producer's next `push` throw the consumer's error; `abandon` (the producer failed) ends the
 * consumer's iteration without the items still buffered.
 *
 * Written here rather than with `stream.PassThrough`: a stream's end/destroy rules (premature close
 * errors, `drain` never firing once nobody reads) make "stop both sides on the first failure" harder
 * to read than these few lines.
 */
export class BoundedBuffer<T> {
  private readonly items: T[] = [];
  private closed = false;
  private failure: { error: unknown } | undefined;
  private wakeConsumer: (() => void) | undefined;
  private wakeProducer: (() => void) | undefined;
  private readonly capacity: number;

  constructor(capacity: number) {
    if (!(capacity >= 1)) throw new RangeError('a buffer holds at least one item');
    this.capacity = capacity;
  }

  /** Adds an item once there is room; throws the consumer's error if it gave up. */
  async push(item: T): Promise<void> {
    while (!this.failure && this.items.length >= this.capacity) {
      await new Promise<void>((resolve) => (this.wakeProducer = resolve));
    }
    if (this.failure) throw this.failure.error;
    if (this.closed) throw new Error('push on a closed buffer');
    this.items.push(item);
    this.wake('consumer');
  }

  /** No more items: the consumer reads what is buffered, then its iteration ends. */
  close(): void {
    this.closed = true;
    this.wake('consumer');
  }

  /** The producer failed: the consumer's iteration ends without the items still buffered. */
  abandon(): void {
    this.items.length = 0;
    this.close();
  }

  /** The consumer failed: the producer's waiting or next `push` throws `error`. */
  fail(error: unknown): void {
    this.failure ??= { error };
    this.items.length = 0;
    this.wake('producer');
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      if (this.items.length > 0) {
        const item = this.items.shift()!;
        this.wake('producer');
        yield item;
        continue;
      }
      if (this.closed || this.failure) return;
      await new Promise<void>((resolve) => (this.wakeConsumer = resolve));
    }
  }

  private wake(side: 'consumer' | 'producer'): void {
    const wake = side === 'consumer' ? this.wakeConsumer : this.wakeProducer;
    if (side === 'consumer') this.wakeConsumer = undefined;
    else this.wakeProducer = undefined;
    wake?.();
  }
}
