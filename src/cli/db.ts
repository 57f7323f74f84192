/** `leadstage db migrate`: applies the store's migrations explicitly (they also run on every start). */
import type { Command } from 'commander';

import { parseEnv } from '../config/env.ts';
import { openStoreFromEnv, schemaVersion } from '../store/index.ts';

export function describeStore(env: ReturnType<typeof parseEnv>): string {
  return env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${env.LEADSTAGE_DATA_DIR}/pglite`;
}

export function registerDbCommands(program: Command): void {
  const db = program
    .command('db')
    .description('The store: PostgreSQL when DATABASE_URL is set, else embedded PGlite');
  db.command('migrate')
    .description('Apply pending schema migrations')
    .action(async () => {
      const env = parseEnv();
      const store = await openStoreFromEnv(env);
      try {
        const out = process.stdout;
        out.write(`store: ${describeStore(env)}\n`);
        for (const m of store.applied) out.write(`applied ${String(m.version).padStart(4, '0')}_${m.name}\n`);
        const version = await schemaVersion(store.db);
        out.write(
          store.applied.length
            ? `schema now at version ${version}\n`
            : `schema up to date (version ${version})\n`,
        );
      } finally {
        await store.close();
      }
    });
}
