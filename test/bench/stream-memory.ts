/**
 * Scores BENCH_STREAMED contacts (default 1,000,000) generated on the fly through the same
 * streaming path as `leadstage score` (JSON lines in, JSON lines with reasons out, discarded), and
 * prints the throughput and the process's peak resident memory.
 */
import { readFile } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';

import { scoreStream } from '../../src/cli/score-stream.ts';
import { compileModelText } from '../../src/qualification/index.ts';
import { benchContacts, BENCH_NOW } from './contacts.ts';

const STREAMED = Number(process.env.BENCH_STREAMED ?? 1_000_000);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const model = compileModelText(
  await readFile(new URL('./model-20.yaml', import.meta.url), 'utf8'),
  'model-20.yaml',
);
const templates = benchContacts(1000).map((c) => JSON.stringify(c));
let i = 0;
// Chunks of many lines, as a file stream delivers them (64 KB-ish Buffers).
const input = new Readable({
  read() {
    if (i >= STREAMED) {
      this.push(null);
      return;
    }
    let chunk = '';
    for (let k = 0; k < 100 && i < STREAMED; k++, i++) {
      const base = templates[i % templates.length]!;
      chunk += `{"id":"s${i}",${base.slice(base.indexOf(',') + 1)}\n`;
    }
    this.push(Buffer.from(chunk));
  },
});
const sink = new Writable({ write: (_chunk, _enc, done) => done() });
const t = performance.now();
const result = await scoreStream(input, sink, model, BENCH_NOW, (line, message) =>
  console.error(`line ${line}: ${message}`),
);
const ms = performance.now() - t;
const peakMb = process.resourceUsage().maxRSS / 1024;
console.log(
  `streamed           ${fmt(result.scored)} contacts in ${(ms / 1000).toFixed(1)} s (${fmt((result.scored / ms) * 1000)}/s with reasons and JSON), peak RSS ${fmt(peakMb)} MB (goal < 200 MB)`,
);
if (result.failed > 0) process.exitCode = 1;
