/**
 * Asking before a change that re-qualifies every contact. On a terminal the admin answers; a
 * script must say `--yes`, because a pipe cannot answer and silence must not mean consent.
 */
import { createInterface } from 'node:readline/promises';

import { ConfigError } from '../errors.ts';

/** Asks `question`; only an answer starting with y or Y is a yes (Enter alone is no). */
export async function askYesNo(
  question: string,
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
): Promise<boolean> {
  const rl = createInterface({ input, output, terminal: false });
  try {
    output.write(`${question} [y/N] `);
    const answer = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    return /^\s*y/i.test(answer);
  } finally {
    rl.close();
  }
}

/**
 * True when the change may go ahead: `--yes`, or a yes typed on a terminal. Without a terminal and
 * without `--yes` it refuses, saying how to proceed.
 */
export async function confirmChange(
  question: string,
  opts: { yes?: boolean | undefined },
  io: { input: NodeJS.ReadStream; output: NodeJS.WriteStream } = {
    input: process.stdin,
    output: process.stdout,
  },
): Promise<boolean> {
  if (opts.yes) return true;
  if (!io.input.isTTY) {
    throw new ConfigError('not saved: no terminal to confirm on; pass --yes to save from a script');
  }
  return askYesNo(question, io.input, io.output);
}
