/**
 * `leadstage sync` and `leadstage worker` run under a V8 heap cap (bin/heap-cap.js): the default
 * one, the admin's LEADSTAGE_MAX_HEAP_MB, or none when the admin set Node's flag or turned it off.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DEFAULT_MAX_HEAP_MB, heapCapMb, SCORE_MAX_HEAP_MB } from '../../bin/heap-cap.js';
import { runCli } from '../helpers/cli.ts';

describe('heapCapMb', () => {
  it('caps the commands that sync at 128 MB and `score` at 64 MB unless told otherwise (.env.example)', () => {
    expect(DEFAULT_MAX_HEAP_MB).toBe(128);
    expect(SCORE_MAX_HEAP_MB).toBe(64);
    expect([
      heapCapMb('sync', {}, [], undefined),
      heapCapMb('worker', {}, [], ''),
      heapCapMb('worker', {}, [], '256'),
      heapCapMb('score', {}, [], undefined),
      heapCapMb('score', {}, [], '256'),
      heapCapMb('serve', {}, [], undefined),
      heapCapMb(undefined, {}, [], undefined),
    ]).toStrictEqual([128, 128, 256, 64, 256, undefined, undefined]);
  });

  it('leaves the heap alone when turned off or when Node’s own flag is set', () => {
    expect([
      heapCapMb('sync', {}, [], '0'),
      heapCapMb('sync', {}, ['--max-old-space-size=512'], '128'),
      heapCapMb('sync', { NODE_OPTIONS: '--enable-source-maps --max_old_space_size=300' }, [], '128'),
    ]).toStrictEqual([undefined, undefined, undefined]);
  });

  it('refuses a setting that is not 0 or a whole number of MB from 64', () => {
    for (const bad of ['32', '63', '1.5', 'lots', '-1']) {
      expect(() => heapCapMb('sync', {}, [], bad)).toThrow(
        `LEADSTAGE_MAX_HEAP_MB must be 0 (no cap) or a whole number of MB from 64, got "${bad}"`,
      );
    }
  });
});

describe('the leadstage binary', () => {
  /**
   * Runs the command in a fresh folder (with `dotEnv` as its .env) and returns the Node flags it
   * finally ran with, printed on exit by a module NODE_OPTIONS preloads.
   */
  async function flagsOf(
    args: string[],
    options: { nodeOptions?: string; env?: NodeJS.ProcessEnv; dotEnv?: string },
  ) {
    const dir = await mkdtemp(join(tmpdir(), 'leadstage-heap-'));
    const probe = join(dir, 'probe.mjs');
    await writeFile(
      probe,
      "process.on('exit', () => process.stderr.write('FLAGS ' + JSON.stringify(process.execArgv) + '\\n'));\n",
    );
    if (options.dotEnv !== undefined) await writeFile(join(dir, '.env'), options.dotEnv);
    const result = await runCli(args, {
      env: {
        LEADSTAGE_MAX_HEAP_MB: undefined,
        ...options.env,
        NODE_OPTIONS: `--import=${probe} ${options.nodeOptions ?? ''}`,
      },
      cwd: dir,
    });
    const line = result.stderr.split('\n').find((l) => l.startsWith('FLAGS '));
    return { code: result.code, flags: line ? (JSON.parse(line.slice(6)) as string[]) : undefined };
  }

  it('re-executes `sync` with the cap from the environment, and leaves other commands as started', async () => {
    const env = { LEADSTAGE_MAX_HEAP_MB: '200' };
    expect(await flagsOf(['sync', '--help'], { env })).toStrictEqual({
      code: 0,
      flags: ['--max-old-space-size=200'],
    });
    expect(await flagsOf(['rules', 'presets'], { env })).toStrictEqual({ code: 0, flags: [] });
  });

  it('re-executes `score` with its small old space and young generation', async () => {
    expect(await flagsOf(['score', '--help'], {})).toStrictEqual({
      code: 0,
      flags: ['--max-old-space-size=64', '--max-semi-space-size=1'],
    });
  });

  it('reads the cap from .env, and an admin’s own Node flag wins', async () => {
    const dotEnv = 'LEADSTAGE_MAX_HEAP_MB=96\n';
    expect(await flagsOf(['sync', '--help'], { dotEnv })).toStrictEqual({
      code: 0,
      flags: ['--max-old-space-size=96'],
    });
    expect(
      await flagsOf(['sync', '--help'], { dotEnv, nodeOptions: '--max-old-space-size=300' }),
    ).toStrictEqual({
      code: 0,
      flags: [],
    });
  });
});
