/**
 * What the store benches share: their arguments, a fresh store on either backend, and a run context
 * for the steps that never call a vendor.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { silentLogger } from '../../src/log.ts';
import type { CompiledModel } from '../../src/model.ts';
import { ApiCallTally } from '../../src/pipeline/api-calls.ts';
import type { CrmConnector, SourceConnector } from '../../src/pipeline/ports.ts';
import { DEFAULT_TUNING, emptyTally, type RunContext } from '../../src/pipeline/run-context.ts';
import { openStore, type Store, type Workspace } from '../../src/store/index.ts';
import { adminQuery, TEST_DATABASE_URL, type Backend } from '../helpers/db.ts';
import { BENCH_NOW } from './contacts.ts';

/**
 * `--contacts N --backend postgres|pglite`, checked; `--source hubspot|mautic` and
 * `--live-heap-every S` (seconds, 0 = never) are read by `bench:sync` alone.
 */
export function benchArgs(defaultContacts: number): {
  count: number;
  backend: Backend;
  source: 'hubspot' | 'mautic';
  liveHeapEvery: number;
  heapSnapshotAbove: number;
} {
  const { values } = parseArgs({
    options: {
      contacts: { type: 'string', default: String(defaultContacts) },
      backend: { type: 'string', default: 'postgres' },
      source: { type: 'string', default: 'hubspot' },
      'live-heap-every': { type: 'string', default: '0' },
      'heap-snapshot-above': { type: 'string', default: '0' },
    },
  });
  const liveHeapEvery = Number(values['live-heap-every']);
  if (!(liveHeapEvery >= 0)) {
    throw new Error(`--live-heap-every must be a number of seconds, got ${values['live-heap-every']}`);
  }
  const heapSnapshotAbove = Number(values['heap-snapshot-above']);
  if (!(heapSnapshotAbove >= 0)) {
    throw new Error(`--heap-snapshot-above must be a number of MB, got ${values['heap-snapshot-above']}`);
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
  return { count, backend: values.backend, source: values.source, liveHeapEvery, heapSnapshotAbove };
}

/** A store in a new PostgreSQL schema (no statistics yet, as on a new deployment) or a new PGlite folder. */
export async function openBenchStore(backend: Backend): Promise<{ store: Store; drop: () => Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'leadstage-bench-'));
  const schema = `bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  if (backend === 'postgres') await adminQuery(`CREATE SCHEMA ${schema}`);
  // A new PGlite folder is made by initdb in a child process (src/store/pglite-folder.ts), as on a
  // deployment's first start: its memory is not this process's.
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

/** The qualify step's context at BENCH_NOW, default tuning, no connectors (it never calls a vendor). */
export function qualifyContext(store: Store, workspace: Workspace, model: CompiledModel): RunContext {
  return {
    store,
    workspace,
    model,
    source: null as unknown as SourceConnector,
    crm: null as CrmConnector | null,
    slaWebhook: null,
    log: silentLogger,
    at: BENCH_NOW,
    clock: () => BENCH_NOW,
    tuning: DEFAULT_TUNING,
    tally: emptyTally(),
    calls: new ApiCallTally(),
    progress: () => Promise.resolve(),
    step: 'qualify',
  };
}
