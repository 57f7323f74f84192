/**
 * Whole processes side by side: `leadstage score` (with every reason in its output) against
 * json-rules-engine's own process (test/bench/jre-score.ts) on the same JSONL file, start-up and
 * parsing included on both sides. Best of `passes` wall-clock runs each, interleaved, and the
 * median CPU time (user + system) of each, which a machine shared with other work disturbs less.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { benchContacts, BENCH_NOW } from './contacts.ts';
import { largestModelText } from './largest-model.ts';

/**
 * CPU seconds (user + system) of this process's children that have ended, from Linux's
 * /proc/self/stat (cutime, cstime, in USER_HZ: 100 per second on every architecture Node runs
 * on); undefined elsewhere.
 */
function childrenCpu(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: state is field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[16 - 3]) + Number(fields[17 - 3])) / 100;
  } catch {
    return undefined;
  }
}

interface Run {
  seconds: number;
  cpu: number | undefined;
  lines: number;
}

function timed(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const cpu = childrenCpu();
    const t = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let lines = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve({ seconds: (performance.now() - t) / 1000, cpu: cpuSince(cpu), lines })
        : reject(new Error(`exit ${code}`)),
    );
  });
}

function cpuSince(before: number | undefined): number | undefined {
  const after = childrenCpu();
  return before === undefined || after === undefined ? undefined : after - before;
}

/** The median CPU time of some runs; undefined when it could not be read. */
function medianCpu(runs: Run[]): number | undefined {
  const cpu = runs.map((r) => r.cpu);
  if (cpu.some((c) => c === undefined)) return undefined;
  const sorted = (cpu as number[]).sort((a, b) => a - b);
  return sorted[(sorted.length - 1) >> 1];
}

export async function compareProcesses(
  count: number,
  passes: number,
): Promise<{
  leadstage: number;
  jre: number;
  cpu: { leadstage: number; jre: number } | undefined;
  lines: [number, number];
}> {
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
    const a: Run[] = [];
    const b: Run[] = [];
    for (let p = 0; p < passes; p++) {
      a.push(await timed(ours));
      b.push(await timed(theirs));
    }
    const best = (runs: Run[]) => Math.min(...runs.map((r) => r.seconds));
    const cpuOurs = medianCpu(a);
    const cpuTheirs = medianCpu(b);
    return {
      leadstage: best(a),
      jre: best(b),
      cpu:
        cpuOurs === undefined || cpuTheirs === undefined ? undefined : { leadstage: cpuOurs, jre: cpuTheirs },
      lines: [a.at(-1)!.lines, b.at(-1)!.lines],
    };
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
