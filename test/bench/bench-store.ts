/** What `bench:qualify` and `bench:sync` share: their arguments and a fresh store on either backend. */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { openStore, type Store } from '../../src/store/index.ts';
import { adminQuery, TEST_DATABASE_URL, type Backend } from '../helpers/db.ts';

/**
 * `--contacts N --backend postgres|pglite`, checked; `--source hubspot|mautic` and
 * `--live-heap-every S` (seconds, 0 = never) are read by `bench:sync` alone.
 */
export function benchArgs(defaultContacts: number): {
  count: number;
  backend: Backend;
  source: 'hubspot' | 'mautic';
  liveHeapEvery: number;
} {
  const { values } = parseArgs({
    options: {
      contacts: { type: 'string', default: String(defaultContacts) },
      backend: { type: 'string', default: 'postgres' },
      source: { type: 'string', default: 'hubspot' },
      'live-heap-every': { type: 'string', default: '0' },
    },
  });
  const liveHeapEvery = Number(values['live-heap-every']);
  if (!(liveHeapEvery >= 0)) {
    throw new Error(`--live-heap-every must be a number of seconds, got ${values['live-heap-every']}`);
  }
  const count = Number(values.contacts);
  if (!Number.isInteger(count) || count <= 0) {
    throw new Error(`--contacts must be a whole number, got ${values.contacts}`);
  }
  if (values.backend !== 'postgres' && values.backend !== 'pglite') {
    throw new Error(`--backend must be postgres or pglite, got ${values.backend}`);
  }
  if (values.source !== 'hubspot' && values.source !== 'mautic') {
    throw new Error(`--source must be hubspot or mautic, got ${values.source}`);
  }
  return { count, backend: values.backend, source: values.source, liveHeapEvery };
}

/** A store in a new PostgreSQL schema (no statistics yet, as on a new deployment) or a new PGlite folder. */
export async function openBenchStore(backend: Backend): Promise<{ store: Store; drop: () => Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'leadstage-bench-'));
  const schema = `bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  if (backend === 'postgres') await adminQuery(`CREATE SCHEMA ${schema}`);
  // A new PGlite folder is made by initdb, whose WebAssembly memory (about 600 MB resident, against
  // 170 MB when opening an existing folder) the instance keeps. A deployment creates its folder once:
  // the bench creates it, closes it and opens it again, as every later start does.
  if (backend === 'pglite') await (await openStore({ dataDir })).close();
  const store = await openStore({
    dataDir,
    ...(backend === 'postgres' ? { databaseUrl: TEST_DATABASE_URL, schema } : {}),
  });
  return {
    store,
    drop: async () => {
      await store.close();
      if (backend === 'postgres') await adminQuery(`DROP SCHEMA ${schema} CASCADE`);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
