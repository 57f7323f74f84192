/**
 * Consumes several async iterables at once, one handler call at a time. Each source is read one page
 * ahead of its handler (a bounded buffer of one page per source): while one source waits on its
 * vendor's rate limit, the pages another one already fetched are handled, and a source's next page
 * is fetched while its current one is handled. Handlers never run concurrently, so the store sees
 * the same serial writes as a plain loop would make.
 *
 * On the first error (a source's or a handler's) nothing more is handled: every other source is
 * closed (its generator's `finally` runs) and the error is thrown.
 */
export interface Lane<T> {
  source: AsyncIterable<T>;
  handle: (item: T) => Promise<void>;
}

type Settled<T> = { lane: number; result: IteratorResult<T> } | { lane: number; error: unknown };

export async function interleave<T extends unknown[]>(lanes: { [K in keyof T]: Lane<T[K]> }): Promise<void> {
  // Each lane's item type is its own: past this point one lane's items only reach its own handler.
  const all = lanes as Lane<unknown>[];
  const iterators = all.map((l) => l.source[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<Settled<unknown>>>();
  const ask = (lane: number) => {
    pending.set(
      lane,
      iterators[lane]!.next().then(
        (result) => ({ lane, result }),
        (error: unknown) => ({ lane, error }),
      ),
    );
  };
  iterators.forEach((_, lane) => ask(lane));
  try {
    while (pending.size > 0) {
      const settled = await Promise.race(pending.values());
      pending.delete(settled.lane);
      if ('error' in settled) throw settled.error;
      if (settled.result.done) continue;
      // Fetch the next page while this one is handled.
      ask(settled.lane);
      await all[settled.lane]!.handle(settled.result.value);
    }
  } catch (err) {
    // Let the pages in flight land (an async generator cannot be closed mid-step), then close. All
    // at once: a source may be waiting for another to end (HubSpot's email events for the walk).
    await Promise.all(
      [...pending].map(async ([lane, p]) => {
        const last = await p;
        if ('error' in last || last.result.done) return;
        await iterators[lane]!.return?.().catch(() => undefined);
      }),
    );
    throw err;
  }
}
