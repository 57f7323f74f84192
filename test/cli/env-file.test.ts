import { randomUUID } from 'node:crypto';
import { access, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { runCli } from '../helpers/cli.ts';
import { TEST_DATABASE_URL } from '../helpers/db.ts';

const ENV_EXAMPLE = fileURLToPath(new URL('../../.env.example', import.meta.url));

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** Each test starts the CLI (and PGlite) in child processes: slow on a busy machine. */
const SLOW = 180_000;

describe('a .env in the working directory', () => {
  it(
    'configures the CLI, and variables already in the environment win over it',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'leadstage-env-'));
      try {
        await writeFile(join(dir, '.env'), 'LEADSTAGE_DATA_DIR=from-env-file\n');
        const fromFile = await runCli(['workspace', 'list'], { cwd: dir, env: { DATABASE_URL: '' } });
        expect(fromFile.stdout).toContain('no workspaces yet');
        expect(await exists(join(dir, 'from-env-file'))).toBe(true);

        const env = { DATABASE_URL: '', LEADSTAGE_DATA_DIR: join(dir, 'from-environment') };
        const overridden = await runCli(['workspace', 'list'], { cwd: dir, env });
        expect(overridden.code).toBe(0);
        expect(await exists(join(dir, 'from-environment'))).toBe(true);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    SLOW,
  );
});

describe('.env.example', () => {
  it('leaves the store and the queue unset, so a copy keeps the embedded default', async () => {
    const vars = parseEnv(await readFile(ENV_EXAMPLE, 'utf8'));
    expect(vars).not.toHaveProperty('DATABASE_URL');
    expect(vars).not.toHaveProperty('REDIS_URL');
  });

  it(
    'copied to .env, keeps the CLI on PGlite in .data',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'leadstage-env-'));
      try {
        await copyFile(ENV_EXAMPLE, join(dir, '.env'));
        // As on a newcomer's machine: nothing set in the environment but what .env says.
        const env = { DATABASE_URL: undefined, REDIS_URL: undefined, LEADSTAGE_DATA_DIR: undefined };
        const r = await runCli(['workspace', 'list'], { cwd: dir, env });
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(await exists(join(dir, '.data', 'pglite'))).toBe(true);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    SLOW,
  );
});

describe('a DATABASE_URL naming a database that does not exist', () => {
  it(
    'fails with the database named and how to create it',
    async () => {
      const name = `leadstage_missing_${randomUUID().slice(0, 8)}`;
      const url = new URL(TEST_DATABASE_URL);
      url.pathname = `/${name}`;
      const r = await runCli(['workspace', 'list'], { env: { DATABASE_URL: url.toString() } });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`leadstage: database "${name}" does not exist on the PostgreSQL server at`);
      expect(r.stderr).toContain(`createdb -h ${url.hostname} -p ${url.port || '5432'} -U postgres ${name}`);
    },
    SLOW,
  );
});
