/**
 * Scores a JSONL stream line by line with backpressure, so a million-line file runs in bounded
 * memory; a bad line is reported with its number and the rest are still scored. A line longer
 * than `maxLineLength` is reported and skipped without being gathered, so one huge line can never
 * exhaust the (capped) heap: memory is bounded by the limit, not by the input.
 */
import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import type { Readable, Writable } from 'node:stream';

import type { CompiledModel } from '../model.ts';
import { parseContactLine } from '../qualification/contact-input.ts';

/**
 * The default longest line, in characters: 1 Mi. A contact line of the bench is about 1,000
 * characters; one near the limit (some 20,000 events) still parses in a few MB of heap.
 */
export const DEFAULT_MAX_LINE_LENGTH = 1024 * 1024;

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
  maxLineLength = DEFAULT_MAX_LINE_LENGTH,
): Promise<ScoreStreamResult> {
  const tooLong = `longer than ${maxLineLength} characters (--max-line-length): not scored`;
  let lineNo = 0;
  let scored = 0;
  let failed = 0;
  // A chunk's lines are scored synchronously and written as one string: no promise per line.
  for await (const lines of splitLines(input, maxLineLength)) {
    let out = '';
    for (const raw of lines) {
      lineNo++;
      const line = raw === null || !raw.endsWith('\r') ? raw : raw.slice(0, -1);
      if (line === null || line.length > maxLineLength) {
        failed++;
        onBadLine(lineNo, tooLong);
        continue;
      }
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
 * A UTF-8 byte order mark before the first line is dropped. Once a line's gathered pieces pass
 * `maxLength`, they are let go and the rest of the line is skipped up to its newline; the line
 * comes out as `null`. (A line that ends inside one chunk is no longer than the chunk, so the
 * caller checks its length itself.)
 */
async function* splitLines(input: Readable, maxLength: number): AsyncGenerator<(string | null)[]> {
  const decoder = new StringDecoder('utf8');
  let pending: string[] = [];
  let pendingLength = 0;
  let skipping = false; // The current line passed maxLength: its pieces are dropped, not gathered.
  let first = true;
  const take = (text: string): (string | null)[] | undefined => {
    if (first && text !== '') {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const nl = text.indexOf('\n');
    if (nl < 0) {
      if (!skipping && text !== '') {
        pending.push(text);
        pendingLength += text.length;
        if (pendingLength > maxLength + 1) {
          skipping = true;
          pending = [];
        }
      }
      return undefined;
    }
    const tail = text.slice(nl + 1).split('\n');
    const last = tail.pop()!;
    const lines: (string | null)[] = tail;
    lines.unshift(skipping ? null : pending.join('') + text.slice(0, nl));
    skipping = false;
    pending = last === '' ? [] : [last];
    pendingLength = last.length;
    return lines;
  };
  for await (const chunk of input) {
    const lines = take(typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer));
    if (lines) yield lines;
  }
  take(decoder.end());
  if (skipping) yield [null];
  const rest = pending.join('');
  if (rest !== '') yield [rest];
}
