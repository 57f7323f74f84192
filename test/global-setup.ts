/**
 * Creates the test database when PostgreSQL answers but lacks it (a fresh server), so the README's
 * test command needs only the servers themselves. Each test file still works in its own schema.
 */
import pg from 'pg';

import { TEST_DATABASE_URL } from './helpers/db.ts';

export default async function setup(): Promise<void> {
  const target = new URL(TEST_DATABASE_URL);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(TEST_DATABASE_URL);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  try {
    await client.connect();
  } catch {
    return; // No server: the tests that need one say so themselves.
  }
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}
