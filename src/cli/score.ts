import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

import type { Command } from 'commander';

import { DEFAULT_PRESET, loadModel } from '../qualification/index.ts';
import { parseContactLine } from '../qualification/contact-input.ts';
import { explainDecision } from '../qualification/explain.ts';
import { wholeNumber } from './options.ts';
import { DEFAULT_MAX_LINE_LENGTH, scoreStream } from './score-stream.ts';

interface ScoreOptions {
  model: string;
  input: string;
  now?: string;
  maxLineLength: string;
}

export function registerScoreCommands(program: Command): void {
  program
    .command('score')
    .description('Score contacts (JSON lines) with a model: one JSON line per contact, in input order')
    .option('--model <file|preset:NAME>', 'model file or shipped preset', `preset:${DEFAULT_PRESET}`)
    .requiredOption('--input <file>', 'contacts, one JSON object per line ("-" for stdin)')
    .option('--now <iso>', 'evaluate as of this time (decay, withinDays)')
    .option(
      '--max-line-length <chars>',
      'a longer line is reported and skipped, never held in memory',
      String(DEFAULT_MAX_LINE_LENGTH),
    )
    .action(async (opts: ScoreOptions) => {
      const maxLineLength = wholeNumber('--max-line-length', opts.maxLineLength, 1);
      const { model } = await loadModel(opts.model);
      const input = opts.input === '-' ? process.stdin : createReadStream(opts.input);
      const result = await scoreStream(
        input,
        process.stdout,
        model,
        parseNow(opts.now),
        (line, message) => process.stderr.write(`${opts.input}:${line}: ${message}\n`),
        maxLineLength,
      );
      if (result.failed > 0) {
        process.stderr.write(`${result.failed} line(s) could not be scored, ${result.scored} scored\n`);
        process.exitCode = 1;
      }
    });

  program
    .command('explain')
    .description('Explain one contact: the points, the stage requirements and what the next stage needs')
    .option('--model <file|preset:NAME>', 'model file or shipped preset', `preset:${DEFAULT_PRESET}`)
    .requiredOption('--input <file>', 'contacts, one JSON object per line')
    .requiredOption('--id <id>', 'the contact to explain')
    .option('--now <iso>', 'evaluate as of this time')
    .action(async (opts: ScoreOptions & { id: string }) => {
      const { model } = await loadModel(opts.model);
      const lines = createInterface({ input: createReadStream(opts.input), crlfDelay: Infinity });
      let lineNo = 0;
      for await (const line of lines) {
        lineNo++;
        if (!line.includes(opts.id)) continue;
        let contact;
        try {
          contact = parseContactLine(line);
        } catch (err) {
          process.stderr.write(`${opts.input}:${lineNo}: ${(err as Error).message}\n`);
          continue;
        }
        if (contact.id !== opts.id) continue;
        process.stdout.write(explainDecision(model, model.qualify(contact, parseNow(opts.now))) + '\n');
        lines.close();
        return;
      }
      process.stderr.write(`no contact with id "${opts.id}" in ${opts.input}\n`);
      process.exitCode = 1;
    });
}

function parseNow(now: string | undefined): Date {
  if (now === undefined) return new Date();
  const d = new Date(now);
  if (Number.isNaN(d.getTime())) throw new Error(`--now must be an ISO-8601 date, got "${now}"`);
  return d;
}
