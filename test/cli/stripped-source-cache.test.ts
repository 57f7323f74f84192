/**
 * `bin/leadstage.js` keeps Node's type-stripped source between runs. What matters: the commands
 * answer exactly as with Node's own stripping, a second start reads the cache instead of writing
 * it again, and a cache that cannot be written changes nothing but speed.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.ts';

const SRC_CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const args = [
  'score',
  '--model',
  'examples/seed-003.yaml',
  '--input',
  'examples/contacts.jsonl',
  '--now',
  '2026-11-10T00:00:00Z',
];

function uncached(): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [SRC_CLI, ...args], (err, stdout) =>
      err ? reject(new Error(err.message)) : resolve(stdout),
    ),
  );
}

describe('the stripped-source cache of bin/leadstage.js', () => {
  it('answers as Node’s own stripping does, and a second start only reads the cache', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leadstage-cache-'));
    const env = { LEADSTAGE_CACHE_DIR: dir };
    const first = await runCli(args, { env });
    expect(first.code).toBe(0);
    expect(first.stderr).toBe('');
    expect(first.stdout).toBe(await uncached());
    const files = await readdir(join(dir, 'ts'));
    // One entry per project module the command loads (cli, program, score, the engine…).
    expect(files.length).toBeGreaterThan(10);
    const mtimes = await Promise.all(files.map(async (f) => (await stat(join(dir, 'ts', f))).mtimeMs));

    const second = await runCli(args, { env });
    expect(second.stdout).toBe(first.stdout);
    const again = await readdir(join(dir, 'ts'));
    expect(again.sort()).toEqual([...files].sort());
    expect(await Promise.all(files.map(async (f) => (await stat(join(dir, 'ts', f))).mtimeMs))).toEqual(
      mtimes,
    );
  });

  it('runs as usual when the cache cannot be written', async () => {
    // A regular file where the folder should be: no folder can be made there, even by root.
    const notADir = join(await mkdtemp(join(tmpdir(), 'leadstage-cache-')), 'file');
    await writeFile(notADir, '');
    const r = await runCli(args, { env: { LEADSTAGE_CACHE_DIR: notADir } });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(await uncached());
  });
});
