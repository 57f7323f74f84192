/**
 * Whole processes side by side: `leadstage score` (with every reason in its output) against
 * json-rules-engine's own process (test/bench/jre-score.ts) on the same JSONL file, start-up and
 * parsing included on both sides. Best of `passes` wall-clock runs each, interleaved.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { benchContacts, BENCH_NOW } from './contacts.ts';
import { largestModelText } from './largest-model.ts';

function timed(args: string[]): Promise<{ seconds: number; lines: number }> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let lines = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve({ seconds: (performance.now() - t) / 1000, lines })
        : reject(new Error(`exit ${code}`)),
    );
  });
}

export async function compareProcesses(
  count: number,
  passes: number,
): Promise<{ leadstage: number; jre: number; lines: [number, number] }> {
  const dir = await mkdtemp(join(tmpdir(), 'leadstage-bench-'));
  try {
    const file = join(dir, 'contacts.jsonl');
    await writeFile(
      file,
      benchContacts(count)
        .map((c) => JSON.stringify(c))
        .join('\n') + '\n',
    );
    const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
    const now = BENCH_NOW.toISOString();
    const ours = [
      here('../../bin/leadstage.js'),
      'score',
      '--model',
      here('./model-20.yaml'),
      '--input',
      file,
      '--now',
      now,
    ];
    const theirs = [here('./jre-score.ts'), file, now];
    let leadstage = Infinity;
    let jre = Infinity;
    let lines: [number, number] = [0, 0];
    for (let p = 0; p < passes; p++) {
      const a = await timed(ours);
      const b = await timed(theirs);
      leadstage = Math.min(leadstage, a.seconds);
      jre = Math.min(jre, b.seconds);
      lines = [a.lines, b.lines];
    }
    return { leadstage, jre, lines };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * `leadstage rules check` as a whole process on the largest model within the bounds, best of
 * `passes` wall-clock runs (goal: under 1 s). Also the check of the smallest preset, which is the
 * process's start-up.
 */
export async function timeLargestCheck(
  passes: number,
): Promise<{ chars: number; seconds: number; startup: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'leadstage-bench-'));
  try {
    const text = largestModelText();
    const file = join(dir, 'largest.yaml');
    await writeFile(file, text);
    const cli = fileURLToPath(new URL('../../bin/leadstage.js', import.meta.url));
    let seconds = Infinity;
    let startup = Infinity;
    for (let p = 0; p < passes; p++) {
      seconds = Math.min(seconds, (await timed([cli, 'rules', 'check', file])).seconds);
      startup = Math.min(startup, (await timed([cli, 'rules', 'check', 'preset:four-stage'])).seconds);
    }
    return { chars: text.length, seconds, startup };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
