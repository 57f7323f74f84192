/**
 * The store: PostgreSQL through `pg` when a database URL is given, else embedded PGlite in the data
 * folder. Migrations run on open. Repositories hold data only; the pipeline owns the rules.
 */
import { join } from 'node:path';

import { type Env, parseEnv } from '../config/env.ts';

import { AccountRepo } from './accounts.ts';
import { AuditRepo } from './audit.ts';
import { ConnectionRepo } from './connections.ts';
import { ContactRepo } from './contacts.ts';
import { CursorRepo } from './cursors.ts';
import type { Db } from './db.ts';
import { DecisionRepo } from './decisions.ts';
import { createSealer, loadEncryptionKey, type Sealer } from './encryption.ts';
import { ErasureRepo } from './erasures.ts';
import { LinkRepo } from './links.ts';
import { MergeRepo } from './merges.ts';
import { OwnershipRepo } from './ownership.ts';
import { migrate, type Migration } from './migrate.ts';
import { MappingVersionRepo } from './mapping-versions.ts';
import { ModelVersionRepo } from './model-versions.ts';
import { openPglite } from './pglite-db.ts';
import { openPostgres } from './postgres-db.ts';
import { RecordErrorRepo } from './record-errors.ts';
import { SlaRepo } from './sla.ts';
import { analyzeAfterLoads, NO_STATISTICS, type TableStatistics } from './statistics.ts';
import { SuppressionRepo } from './suppressions.ts';
import { SyncRunRepo } from './sync-runs.ts';
import { WorkspaceRepo } from './workspaces.ts';

export interface Repos {
  workspaces: WorkspaceRepo;
  connections: ConnectionRepo;
  cursors: CursorRepo;
  contacts: ContactRepo;
  decisions: DecisionRepo;
  links: LinkRepo;
  runs: SyncRunRepo;
  recordErrors: RecordErrorRepo;
  merges: MergeRepo;
  erasures: ErasureRepo;
  suppressions: SuppressionRepo;
  audit: AuditRepo;
  ownership: OwnershipRepo;
  modelVersions: ModelVersionRepo;
  mappingVersions: MappingVersionRepo;
  sla: SlaRepo;
  accounts: AccountRepo;
}

export interface Store extends Repos {
  readonly db: Db;
  readonly backend: Db['backend'];
  /** Migrations applied when this store was opened. */
  readonly applied: Migration[];
  /** Runs `fn` with repositories bound to one transaction. */
  transaction<T>(fn: (repos: Repos) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` with a store bound to one transaction that is rolled back at the end, whatever `fn`
   * did (a dry run runs the real steps here). `fn`'s own transactions join it.
   */
  rolledBack<T>(fn: (store: Store) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Thrown inside a rolled-back transaction to end it; never leaves `rolledBack`. */
class RollBack extends Error {}

export interface OpenStoreOptions {
  /** PostgreSQL connection string; unset → PGlite in `dataDir`. */
  databaseUrl?: string | undefined;
  /** @default '.data' (PGlite lives in `<dataDir>/pglite`, the generated key in `<dataDir>/encryption.key`) */
  dataDir?: string | undefined;
  /** 32 bytes, base64; unset → generated once into `<dataDir>/encryption.key`. */
  encryptionKey?: string | undefined;
  /** PostgreSQL schema to use (tests isolate by schema). @default public */
  schema?: string | undefined;
  /** Run migrations on open. @default true */
  migrate?: boolean;
  /** PGlite only: keep the database in memory (tests). */
  inMemory?: boolean;
  /** ANALYZE tables as bulk loads grow them (src/store/statistics.ts). @default true */
  analyzeAfterLoads?: boolean;
}

export function createRepos(db: Db, sealer: Sealer, statistics: TableStatistics = NO_STATISTICS): Repos {
  return {
    workspaces: new WorkspaceRepo(db, sealer),
    connections: new ConnectionRepo(db, sealer),
    cursors: new CursorRepo(db),
    contacts: new ContactRepo(db, statistics),
    decisions: new DecisionRepo(db, statistics),
    links: new LinkRepo(db, statistics),
    runs: new SyncRunRepo(db),
    recordErrors: new RecordErrorRepo(db),
    merges: new MergeRepo(db),
    erasures: new ErasureRepo(db),
    suppressions: new SuppressionRepo(db, sealer),
    audit: new AuditRepo(db),
    ownership: new OwnershipRepo(db),
    modelVersions: new ModelVersionRepo(db),
    mappingVersions: new MappingVersionRepo(db),
    sla: new SlaRepo(db),
    accounts: new AccountRepo(db),
  };
}

export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const dataDir = options.dataDir ?? '.data';
  const sealer = createSealer(
    await loadEncryptionKey({
      dataDir,
      ...(options.encryptionKey ? { encryptionKey: options.encryptionKey } : {}),
    }),
  );
  const db = options.databaseUrl
    ? openPostgres({
        databaseUrl: options.databaseUrl,
        ...(options.schema ? { schema: options.schema } : {}),
      })
    : await openPglite(options.inMemory ? undefined : join(dataDir, 'pglite'));
  let applied: Migration[] = [];
  try {
    if (options.migrate !== false) applied = await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  // One tally per store, shared by the repositories bound to its transactions.
  const statistics = options.analyzeAfterLoads === false ? NO_STATISTICS : analyzeAfterLoads();
  return storeOver(db, sealer, statistics, applied);
}

function storeOver(db: Db, sealer: Sealer, statistics: TableStatistics, applied: Migration[]): Store {
  return {
    ...createRepos(db, sealer, statistics),
    db,
    backend: db.backend,
    applied,
    transaction: (fn) => db.transaction((tx) => fn(createRepos(tx, sealer, statistics))),
    rolledBack: async <T>(fn: (store: Store) => Promise<T>): Promise<T> => {
      let result: { value: T } | undefined;
      try {
        await db.transaction(async (tx) => {
          // Loads inside are undone: they must not count towards the next ANALYZE.
          result = { value: await fn(storeOver(tx, sealer, NO_STATISTICS, applied)) };
          throw new RollBack('rolled back');
        });
      } catch (err) {
        if (!(err instanceof RollBack) || !result) throw err;
      }
      return result!.value;
    },
    close: () => db.close(),
  };
}

/** Opens the store the environment describes (DATABASE_URL, LEADSTAGE_DATA_DIR, LEADSTAGE_ENCRYPTION_KEY). */
export function openStoreFromEnv(env: Env = parseEnv(), options: { migrate?: boolean } = {}): Promise<Store> {
  return openStore({
    databaseUrl: env.DATABASE_URL,
    dataDir: env.LEADSTAGE_DATA_DIR,
    encryptionKey: env.LEADSTAGE_ENCRYPTION_KEY,
    ...options,
  });
}

export type { Db } from './db.ts';
export { migrate, schemaVersion, loadMigrations, type Migration } from './migrate.ts';
export type { Connection, ConnectionStatus, NewConnection } from './connections.ts';
export type { ModelNote, ModelVersion } from './model-versions.ts';
export type { MappingVersion } from './mapping-versions.ts';
export type { ContactPageOptions, InsertedEvents, StoredContact } from './contacts.ts';
export type { CursorOwner } from './cursors.ts';
export type {
  DecisionTiming,
  PendingWrite,
  StageStay,
  StageTransition,
  StoredDecision,
} from './decisions.ts';
export type { CrmLink, PendingHandoff } from './links.ts';
export type { RecordErrorEntry, RecordErrorFilter } from './record-errors.ts';
export type {
  CurrentStay,
  NewSlaOutcome,
  PendingReassignment,
  ReassignAttempt,
  ReassignState,
  SlaBreach,
  WatchedStay,
} from './sla.ts';
export type { AuditEntry } from './audit.ts';
export type { StoredAccount } from './accounts.ts';
export type { CrmErasureTarget, ErasedCounts, PendingCrmErasure } from './erasures.ts';
export type { MergeOutcome } from './merges.ts';
export type { OwnerMoment } from './ownership.ts';
export { normalizeEmail, type SuppressionKind } from './suppressions.ts';
export type { SyncRun, SyncRunStatus } from './sync-runs.ts';
export type { NewWorkspace, Workspace, WorkspaceModel } from './workspaces.ts';
