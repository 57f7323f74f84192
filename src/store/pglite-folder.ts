/**
 * A new PGlite data folder is made in a child process. initdb, run inside PGlite's WebAssembly
 * memory, peaks near 600 MB resident, and a process never gets that memory back: when the first
 * start of a deployment (the demo, the first `leadstage` command) ran it in-process, the process
 * kept about 100 MB more for its whole life, on top of the folder's normal 128 MB. The child gives
 * it all back when it exits; this process then opens the folder as every later start does.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { PGLITE_START_PARAMS } from './pglite-params.ts';

/** initdb takes about 5 s on a loaded 2-core machine; a child stuck far beyond that is killed. */
const INITDB_TIMEOUT_MS = 180_000;

/**
 * The child's whole program, given with `-e`: a script file would need its types stripped, which
 * Node refuses under node_modules, where an installed leadstage lives. The child runs in this
 * module's folder, so it finds PGlite where this module does. On failure it prints one line, the
 * message, and no stack of internal paths.
 */
const INITDB_PROGRAM = `
const [folder, params] = process.argv.slice(1);
try {
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = await PGlite.create({ dataDir: folder, startParams: JSON.parse(params) });
  await pglite.query('SELECT 1');
  await pglite.close();
} catch (err) {
  process.stderr.write(String(err && err.message).split('\\n')[0] + '\\n');
  process.exit(1);
}`;

const HERE = dirname(fileURLToPath(import.meta.url));

/** PostgreSQL writes PG_VERSION into every data folder it creates. */
export async function isPgliteFolder(folder: string): Promise<boolean> {
  return access(join(folder, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
}

/**
 * Makes `folder` a PGlite data folder unless it is one already. initdb writes into a sibling
 * folder that is renamed into place when complete, so a start interrupted halfway leaves no
 * half-made database behind, only a sibling the next attempt removes.
 */
export async function ensurePgliteFolder(dataFolder: string): Promise<void> {
  const folder = resolve(dataFolder);
  if (await isPgliteFolder(folder)) return;
  const existing = await readdir(folder).catch(() => null);
  if (existing && existing.length > 0) {
    throw new Error(
      `${folder} holds files but no PGlite database (no PG_VERSION): move them away, or point LEADSTAGE_DATA_DIR elsewhere`,
    );
  }
  const parent = dirname(folder);
  await mkdir(parent, { recursive: true });
  const pending = join(parent, `.${basename(folder)}.initdb-${randomBytes(4).toString('hex')}`);
  try {
    await runInitdb(pending, folder);
    // rename(2) replaces an empty folder; another process that finished first leaves a full one.
    await rename(pending, folder).catch(async (err: NodeJS.ErrnoException) => {
      if (!(await isPgliteFolder(folder))) throw err;
    });
  } finally {
    await rm(pending, { recursive: true, force: true });
  }
}

function runInitdb(pending: string, folder: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', INITDB_PROGRAM, pending, JSON.stringify(PGLITE_START_PARAMS)],
      // Only the child's own memory is at stake: none of this process's flags (a heap cap, an
      // inspector port) is passed on.
      { cwd: HERE, timeout: INITDB_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024 },
      (err, _stdout, stderr) => {
        if (!err) return resolve();
        const why = err.killed
          ? `initdb did not finish within ${INITDB_TIMEOUT_MS / 1000} s`
          : stderr.trim().split('\n').pop() || 'initdb failed';
        reject(new Error(`could not create the PGlite data folder ${folder}: ${why}`));
      },
    );
  });
}
