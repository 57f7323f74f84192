import { Readable, Writable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { scoreStream } from '../../src/cli/score-stream.ts';
import { compileModelText } from '../../src/qualification/index.ts';

const model = compileModelText(
  `name: s
dimensions: [d]
stages:
  - key: out
  - key: in
    handoff: true
    requires: { score: d, gte: 1 }
scoring:
  - { dimension: d, when: { event: page_view }, points: 1 }
`,
  's.yaml',
);

async function score(chunks: (string | Buffer)[], maxLineLength?: number) {
  let out = '';
  const bad: [number, string][] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      out += chunk.toString();
      done();
    },
  });
  const r = await scoreStream(
    Readable.from(chunks),
    sink,
    model,
    new Date('2026-11-10T00:00:00Z'),
    (n, m) => bad.push([n, m]),
    maxLineLength,
  );
  const lines = out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { id: string; scores: { d: number } });
  return { ...r, bad, lines };
}

describe('scoreStream', () => {
  it('accepts a UTF-8 byte order mark before the first line, even split across chunks', async () => {
    const bytes = Buffer.from('\uFEFF{"id":"a"}\n{"id":"b"}\n');
    const r = await score([bytes.subarray(0, 2), bytes.subarray(2)]);
    expect(r.bad).toEqual([]);
    expect(r.lines.map((l) => l.id)).toEqual(['a', 'b']);
  });

  it('joins a line split over many chunks, with newlines on chunk edges', async () => {
    const events = Array.from({ length: 3_000 }, () => '{"type":"page_view","at":"2026-11-01T00:00:00Z"}');
    const big = `{"id":"big","events":[${events.join(',')}]}`;
    const text = `{"id":"a"}\n${big}\n{"id":"c"}`;
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += 7) chunks.push(text.slice(i, i + 7));
    const r = await score(chunks);
    expect(r.bad).toEqual([]);
    expect(r.lines.map((l) => [l.id, l.scores.d])).toEqual([
      ['a', 0],
      ['big', 3000],
      ['c', 0],
    ]);
  });

  it('skips a line over the length limit, even one spread over many chunks, and scores the rest', async () => {
    // Limit 20: line 1 is exactly 20 characters (kept, also with CRLF); line 2 has 21, line 4 has
    // 40 (gathered from 7-character chunks) and line 6, unfinished at the end of the input, 39.
    const text = [
      '{"id":"a0123456789"}\r',
      '{"id":"b01234567890"}',
      '{"id":"c"}',
      `{"id":"d${'y'.repeat(30)}"}`,
      '{"id":"e"}',
      `{"id":"f${'y'.repeat(29)}"}`,
    ].join('\n');
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += 7) chunks.push(text.slice(i, i + 7));
    const r = await score(chunks, 20);
    const tooLong = 'longer than 20 characters (--max-line-length): not scored';
    expect(r.bad).toEqual([
      [2, tooLong],
      [4, tooLong],
      [6, tooLong],
    ]);
    expect(r.lines.map((l) => l.id)).toEqual(['a0123456789', 'c', 'e']);
    expect([r.scored, r.failed]).toEqual([3, 3]);
  });
});
