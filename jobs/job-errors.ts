/**
 * Turns the product's typed errors into BullMQ's retry semantics, in one place: a rate-limited vendor
 * pauses the queue for the wait it asked (no attempt burned), fatal errors are unrecoverable,
 * transient ones are rethrown for the exponential backoff.
 */
import { type Queue, UnrecoverableError, Worker } from 'bullmq';

import { RateLimitedError, classify } from '../src/errors.ts';

export async function runGuarded<T>(queue: Queue, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const verdict = classify(err);
    if (err instanceof RateLimitedError) {
      await queue.rateLimit(Math.max(1, verdict.waitMs ?? 1000));
      throw Worker.RateLimitError();
    }
    const message = err instanceof Error ? err.message : String(err);
    if (!verdict.retry && verdict.reason !== 'unknown') {
      throw new UnrecoverableError(`${verdict.reason}: ${message}`);
    }
    throw err;
  }
}
