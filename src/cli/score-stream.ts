/**
 * Scores a JSONL stream line by line with backpressure, so a million-line file runs in bounded
 * memory; a bad line is reported with its number and the rest are still scored.
 */
import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import type { Readable, Writable } from 'node:stream';

import type { CompiledModel } from '../model.ts';
import { parseContactLine } from '../qualification/contact-input.ts';

export interface ScoreStreamResult {
  scored: number;
  failed: number;
}

export async function scoreStream(
  input: Readable,
  output: Writable,
  model: CompiledModel,
  now: Date,
  onBadLine: (line: number, message: string) => void,
): Promise<ScoreStreamResult> {
  let lineNo = 0;
  let scored = 0;
  let failed = 0;
  for await (const raw of splitLines(input)) {
    lineNo++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    let out: string;
    try {
      const d = model.qualify(parseContactLine(line), now);
      out = JSON.stringify({ id: d.contactId, stage: d.stage, scores: d.scores, reasons: d.reasons }) + '\n';
    } catch (err) {
      failed++;
      onBadLine(lineNo, (err as Error).message);
      continue;
    }
    scored++;
    if (!output.write(out)) await once(output, 'drain');
  }
  return { scored, failed };
}

/**
 * Lines of a stream, pulled chunk by chunk: unlike readline's async iterator, nothing is read
 * ahead of the consumer, so memory stays flat however long the input.
 */
async function* splitLines(input: Readable): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of input) {
    const text = rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer));
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      yield text.slice(start, nl);
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest !== '') yield rest;
}
