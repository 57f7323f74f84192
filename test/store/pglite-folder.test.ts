import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterEach, describe, expect, it } from 'vitest';

import { openStore } from '../../src/store/index.ts';
import { ensurePgliteFolder, isPgliteFolder } from '../../src/store/pglite-folder.ts';
import { TEST_ENCRYPTION_KEY } from '../helpers/db.ts';

const run = promisify(execFile);
const MODEL = { text: '# a model', ref: 'test', version: 'v1' };

describe('a new PGlite data folder', () => {
  let dir: string;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is made by initdb in a child and opened here; nothing else is left beside it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'leadstage-pglite-folder-'));
    const store = await openStore({ dataDir: dir, encryptionKey: TEST_ENCRYPTION_KEY });
    try {
      const ws = await store.workspaces.create({ name: 'first', sourceVendor: 'hubspot', model: MODEL });
      expect((await store.workspaces.get(ws.id))?.name).toBe('first');
    } finally {
      await store.close();
    }
    expect(await isPgliteFolder(join(dir, 'pglite'))).toBe(true);
    // The initdb sibling was renamed into place, not left behind.
    expect((await readdir(dir)).sort()).toEqual(['pglite']);
  });

  it('keeps an existing database: a second start opens it with its data', async () => {
    dir = await mkdtemp(join(tmpdir(), 'leadstage-pglite-folder-'));
    const first = await openStore({ dataDir: dir, encryptionKey: TEST_ENCRYPTION_KEY });
    const ws = await first.workspaces.create({ name: 'kept', sourceVendor: 'hubspot', model: MODEL });
    await first.close();
    await ensurePgliteFolder(join(dir, 'pglite'));
    const second = await openStore({ dataDir: dir, encryptionKey: TEST_ENCRYPTION_KEY });
    try {
      expect((await second.workspaces.get(ws.id))?.name).toBe('kept');
    } finally {
      await second.close();
    }
  });

  it('refuses a folder that holds other files, naming it, and leaves them as they were', async () => {
    dir = await mkdtemp(join(tmpdir(), 'leadstage-pglite-folder-'));
    const folder = join(dir, 'pglite');
    await mkdir(folder);
    await writeFile(join(folder, 'notes.txt'), 'mine');
    await expect(ensurePgliteFolder(folder)).rejects.toThrow(`${folder} holds files but no PGlite database`);
    expect(await readdir(folder)).toEqual(['notes.txt']);
    expect((await readdir(dir)).sort()).toEqual(['pglite']);
  });

  it('fails naming the path it could not make, and leaves nothing behind', async () => {
    dir = await mkdtemp(join(tmpdir(), 'leadstage-pglite-folder-'));
    // A file where the parent folder should be: neither mkdir nor initdb can get past it.
    await writeFile(join(dir, 'blocked'), '');
    const folder = join(dir, 'blocked', 'pglite');
    await expect(ensurePgliteFolder(folder)).rejects.toThrow(join(dir, 'blocked'));
    expect(await readdir(dir)).toEqual(['blocked']);
  });

  it('spares the process that opens it the memory initdb takes (measured in a child of its own)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'leadstage-pglite-folder-'));
    // initdb inside the opening process peaked at 590–620 MB resident and left the process some
    // 100 MB above a later start; opening a folder initdb made elsewhere peaks near 240 MB.
    const program = `
      const { openStore } = await import(${JSON.stringify(new URL('../../src/store/index.ts', import.meta.url).href)});
      const store = await openStore({ dataDir: process.argv[1], encryptionKey: process.argv[2] });
      await store.close();
      const status = (await import('node:fs')).readFileSync('/proc/self/status', 'utf8');
      process.stdout.write(/^VmHWM:\\s+(\\d+) kB/m.exec(status)[1]);`;
    const { stdout } = await run(process.execPath, [
      '--input-type=module',
      '-e',
      program,
      dir,
      TEST_ENCRYPTION_KEY,
    ]);
    const peakMb = Number(stdout) / 1024;
    expect(peakMb).toBeGreaterThan(50);
    expect(peakMb).toBeLessThan(400);
  });
});
