/**
 * Stores for tests on both backends: the real PostgreSQL (a unique schema per store, dropped
 * afterwards) and PGlite in a temporary data folder.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';

import { openStore, type OpenStoreOptions, type Store } from '../../src/store/index.ts';
import { ensurePgliteFolder } from '../../src/store/pglite-folder.ts';
import { PGLITE_START_PARAMS } from '../../src/store/pglite-params.ts';

export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/leadstage_test';

export type Backend = 'postgres' | 'pglite';
export const BACKENDS: Backend[] = ['postgres', 'pglite'];

/** A fixed key so tests never write a key file unless they mean to. */
export const TEST_ENCRYPTION_KEY = randomBytes(32).toString('base64');

export interface TestStore {
  store: Store;
  /** Opens a second store on the same database (another "process"). PostgreSQL only. */
  openAnother(): Promise<Store>;
  /** PostgreSQL only: DATABASE_URL for a child process, pointing at this store's schema. */
  databaseUrl?: string;
  cleanup(): Promise<void>;
}

/** Runs one statement as the administrator of the test database (schemas come and go). */
export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

let template: Promise<string> | undefined;

/**
 * A PGlite data folder fresh from initdb, made once per PGlite version and start parameters and
 * shared by every test run on this machine: a test store copies it (milliseconds) instead of
 * running initdb (about 5 s). Migrations still run on every copy. The child-process initdb of a new
 * folder is tested in test/store/pglite-folder.test.ts and by every CLI test on a new data folder.
 */
function pgliteTemplate(): Promise<string> {
  template ??= (async () => {
    const pkg = fileURLToPath(
      new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url),
    );
    const key = createHash('sha256')
      .update(await readFile(pkg))
      .update(JSON.stringify(PGLITE_START_PARAMS))
      .digest('hex')
      .slice(0, 16);
    const folder = join(tmpdir(), `leadstage-pglite-template-${key}`);
    await ensurePgliteFolder(folder);
    return folder;
  })();
  return template;
}

export async function openTestStore(
  backend: Backend,
  options: Pick<OpenStoreOptions, 'analyzeAfterLoads'> = {},
): Promise<TestStore> {
  const dataDir = await mkdtemp(join(tmpdir(), 'leadstage-test-'));
  const opened: Store[] = [];
  if (backend === 'postgres') {
    const schema = `t_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    await adminQuery(`CREATE SCHEMA ${schema}`);
    const open = async () => {
      const s = await openStore({
        databaseUrl: TEST_DATABASE_URL,
        schema,
        dataDir,
        encryptionKey: TEST_ENCRYPTION_KEY,
        ...options,
      });
      opened.push(s);
      return s;
    };
    const store = await open();
    const url = new URL(TEST_DATABASE_URL);
    // libpq's `options` reaches a child process through DATABASE_URL alone.
    url.searchParams.set('options', `-c search_path=${schema}`);
    return {
      store,
      openAnother: open,
      databaseUrl: url.toString(),
      async cleanup() {
        await Promise.all(opened.map((s) => s.close().catch(() => undefined)));
        await adminQuery(`DROP SCHEMA ${schema} CASCADE`);
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  await cp(await pgliteTemplate(), join(dataDir, 'pglite'), { recursive: true });
  const store = await openStore({ dataDir, encryptionKey: TEST_ENCRYPTION_KEY, ...options });
  return {
    store,
    openAnother: () => Promise.reject(new Error('PGlite data folders belong to one process')),
    async cleanup() {
      await store.close().catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A test store opened before the enclosing `describe`'s tests and dropped after them; read
 * `.store` inside a test or hook.
 */
export function useTestStore(backend: Backend): { readonly store: Store } {
  let opened: TestStore | undefined;
  beforeAll(async () => {
    opened = await openTestStore(backend);
  });
  afterAll(async () => {
    await opened?.cleanup();
  });
  return {
    get store() {
      if (!opened) throw new Error('the test store opens in beforeAll: read it inside a test');
      return opened.store;
    },
  };
}
