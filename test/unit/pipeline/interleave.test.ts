/**
 * The pulls' interleaving: two sources read at once, their pages handled one at a time, a source
 * read one page ahead of its handler, and the other closed when one fails.
 */
import { describe, expect, it } from 'vitest';

import { interleave } from '../../../src/pipeline/interleave.ts';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A source whose every page takes `ms` to fetch; records what it fetched and whether it was closed. */
function source(name: string, pages: number, ms: number, log: string[], fail?: number) {
  const state = { closed: false };
  async function* gen(): AsyncIterable<string> {
    try {
      for (let i = 1; i <= pages; i++) {
        await tick(ms);
        if (i === fail) throw new Error(`${name} failed at ${i}`);
        log.push(`fetched ${name}${i}`);
        yield `${name}${i}`;
      }
    } finally {
      state.closed = true;
    }
  }
  return { gen: gen(), state };
}

describe('interleave', () => {
  it('handles every page of both sources, never two at once, while the slow one is still fetching', async () => {
    const log: string[] = [];
    const slow = source('s', 2, 200, log);
    const fast = source('f', 3, 5, log);
    let running = 0;
    let most = 0;
    const handle = async (page: string) => {
      running++;
      most = Math.max(most, running);
      await tick(2);
      log.push(`stored ${page}`);
      running--;
    };
    await interleave([
      { source: slow.gen, handle },
      { source: fast.gen, handle },
    ]);
    const stored = log.filter((l) => l.startsWith('stored')).map((l) => l.slice(7));
    expect(stored.sort()).toEqual(['f1', 'f2', 'f3', 's1', 's2']);
    expect(most).toBe(1);
    // All of the fast source is stored before the slow one's first page arrives (200 ms against 3 × 7 ms).
    expect(log.indexOf('stored f3')).toBeLessThan(log.indexOf('fetched s1'));
  });

  it("reads a source's next page while its current one is handled (one page ahead, not more)", async () => {
    const log: string[] = [];
    const one = source('a', 3, 5, log);
    await interleave([
      {
        source: one.gen,
        handle: async (page) => {
          await tick(30);
          log.push(`stored ${page}`);
        },
      },
    ]);
    expect(log).toEqual(['fetched a1', 'fetched a2', 'stored a1', 'fetched a3', 'stored a2', 'stored a3']);
  });

  it('stops on the first failure, closes the other source and throws that error', async () => {
    const log: string[] = [];
    const failing = source('x', 5, 5, log, 2);
    const other = source('y', 100, 5, log);
    const handled: string[] = [];
    await expect(
      interleave([
        { source: failing.gen, handle: (p: string) => Promise.resolve(void handled.push(p)) },
        { source: other.gen, handle: (p: string) => Promise.resolve(void handled.push(p)) },
      ]),
    ).rejects.toThrow('x failed at 2');
    expect(other.state.closed).toBe(true);
    expect(handled.filter((p) => p.startsWith('y')).length).toBeLessThan(100);
  });

  it('closes every source when a handler fails', async () => {
    const log: string[] = [];
    const a = source('a', 10, 2, log);
    const b = source('b', 10, 3, log);
    await expect(
      interleave([
        {
          source: a.gen,
          handle: (p) => (p === 'a2' ? Promise.reject(new Error('store down')) : Promise.resolve()),
        },
        { source: b.gen, handle: () => Promise.resolve() },
      ]),
    ).rejects.toThrow('store down');
    expect(a.state.closed).toBe(true);
    expect(b.state.closed).toBe(true);
  });
});
