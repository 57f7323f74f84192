/**
 * Versioned SQL migrations from `migrations/NNNN_name.sql`, applied in order, each in its own
 * transaction, under a lock so two processes starting at once apply each version once.
 */
import { readdir, readFile } from 'node:fs/promises';

import type { Db } from './db.ts';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function loadMigrations(): Promise<Migration[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_NAME.exec(file);
    if (!match) throw new Error(`migration file name must look like 0001_name.sql, got ${file}`);
    const sql = await readFile(new URL(file, MIGRATIONS_DIR), 'utf8');
    migrations.push({ version: Number(match[1]), name: match[2]!, sql });
  }
  return migrations;
}

/** Applies the migrations not yet recorded in `schema_migrations`; returns the ones it applied. */
export async function migrate(db: Db, migrations?: Migration[]): Promise<Migration[]> {
  const all = migrations ?? (await loadMigrations());
  return db.exclusive('leadstage:migrations', async (locked) => {
    await locked.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await locked.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((r) => r.version));
    const applied: Migration[] = [];
    for (const m of all) {
      if (done.has(m.version)) continue;
      await locked.transaction(async (tx) => {
        await runStatements(tx, m.sql);
        await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      });
      applied.push(m);
    }
    return applied;
  });
}

/** Current schema version, 0 on an empty database. */
export async function schemaVersion(db: Db): Promise<number> {
  const { rows } = await db.query<{ exists: boolean }>(
    `SELECT to_regclass('schema_migrations') IS NOT NULL AS exists`,
  );
  if (!rows[0]?.exists) return 0;
  const max = await db.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return max.rows[0]?.v ?? 0;
}

/** Splits on statement-ending semicolons; migrations hold plain DDL without functions or strings with `;`. */
async function runStatements(db: Db, sql: string): Promise<void> {
  const withoutComments = sql.replace(/--[^\n]*/g, '');
  for (const statement of withoutComments.split(/;\s*(?:\n|$)/)) {
    if (statement.trim()) await db.query(statement);
  }
}
