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
  // A chunk's lines are scored synchronously and written as one string: no promise per line.
  for await (const lines of splitLines(input)) {
    let out = '';
    for (const raw of lines) {
      lineNo++;
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line.trim() === '') continue;
      try {
        const contact = parseContactLine(line);
        const d = model.qualify(contact, now);
        // JSON.stringify({ id, stage, scores, reasons }) with the reasons written as text directly.
        out += `{"id":${JSON.stringify(d.contactId)},"stage":${JSON.stringify(d.stage)},"scores":${JSON.stringify(d.scores)},"reasons":${model.reasonsJson(contact, now)}}\n`;
      } catch (err) {
        failed++;
        onBadLine(lineNo, (err as Error).message);
        continue;
      }
      scored++;
    }
    if (out !== '' && !output.write(out)) await once(output, 'drain');
  }
  return { scored, failed };
}

/**
 * The complete lines of each chunk of a stream, pulled chunk by chunk: unlike readline's async
 * iterator, nothing is read ahead of the consumer, so memory stays flat however long the input.
 * A line longer than a chunk is gathered in pieces and joined once, so one huge line costs time
 * linear in its size (appending each chunk to the remainder and splitting again was quadratic).
 * A UTF-8 byte order mark before the first line is dropped.
 */
async function* splitLines(input: Readable): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let pending: string[] = [];
  let first = true;
  const take = (text: string): string[] | undefined => {
    if (first && text !== '') {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const nl = text.indexOf('\n');
    if (nl < 0) {
      if (text !== '') pending.push(text);
      return undefined;
    }
    const lines = text.slice(nl + 1).split('\n');
    lines.unshift(pending.join('') + text.slice(0, nl));
    const last = lines.pop()!;
    pending = last === '' ? [] : [last];
    return lines;
  };
  for await (const chunk of input) {
    const lines = take(typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer));
    if (lines) yield lines;
  }
  take(decoder.end());
  const rest = pending.join('');
  if (rest !== '') yield [rest];
}
